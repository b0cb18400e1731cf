using Registry.Api.Diagnostics;

namespace Registry.Tests.Diagnostics;

public sealed class DiagnosticApiTests(RegistryApp app) : ApiTests(app)
{
    private static DiagnosticRequest VitalSigns(int? day = 0) => new(
        DiagnosticKind.VitalSigns, day, DiagnosticResult.Normal, ["stable vital signs"], "Vital signs stable on admission.",
        [new("body-temperature", 36.6m, "Cel"), new("systolic-blood-pressure", 110m, "mm[Hg]"), new("heart-rate", 75m, "/min")]);

    private Task<long> CountDiagnostics(Guid caseId) =>
        app.QuerySingleAsync<long>("SELECT count(*) FROM diagnostics WHERE case_id = @caseId", new { caseId });

    private async Task<DiagnosticResponse> Create(Guid caseId, DiagnosticRequest request) =>
        await (await Client.PostAsJson($"/api/v1/cases/{caseId}/diagnostics", request)).ReadAs<DiagnosticResponse>(HttpStatusCode.Created);

    [Fact]
    public async Task Diagnostic_added_to_a_case_is_stored_under_the_case_hospital_and_can_be_read_back()
    {
        var @case = await app.InsertCaseAsync();

        var response = await Client.PostAsJson($"/api/v1/cases/{@case.CaseId}/diagnostics", VitalSigns());

        var created = await response.ReadAs<DiagnosticResponse>(HttpStatusCode.Created);
        Assert.Equal($"/api/v1/diagnostics/{created.Id}", response.Headers.Location?.OriginalString);
        var read = await (await Client.GetAsync(response.Headers.Location)).ReadAs<DiagnosticResponse>(HttpStatusCode.OK);
        Assert.Equal((@case.CaseId, DiagnosticKind.VitalSigns, 0, DiagnosticResult.Normal, 1),
            (read.CaseId, read.Kind, read.Day, read.Result, read.Version));
        Assert.Equal(new Measurement("body-temperature", 36.6m, "Cel"), read.Measurements[0]);
        Assert.Equal(["/min"], read.Measurements.Skip(2).Select(m => m.Unit));
        Assert.Equal(@case.HospitalId, await app.QuerySingleAsync<Guid>(
            "SELECT hospital_id FROM diagnostics WHERE id = @id", new { id = created.Id }));
        Assert.Equal("mm[Hg]", await app.QuerySingleAsync<string>(
            "SELECT measurements -> 1 ->> 'unit' FROM diagnostics WHERE id = @id", new { id = created.Id }));
    }

    [Fact]
    public async Task Diagnostics_of_a_case_are_listed_by_day_with_undated_ones_last()
    {
        var @case = await app.InsertCaseAsync();
        var other = await app.InsertCaseAsync();
        var undated = await Create(@case.CaseId, VitalSigns(day: null));
        var dayThree = await Create(@case.CaseId, VitalSigns(day: 3));
        var firstDayZero = await Create(@case.CaseId, VitalSigns(day: 0));
        var secondDayZero = await Create(@case.CaseId, VitalSigns(day: 0));
        await Create(other.CaseId, VitalSigns());

        var listed = await (await Client.GetAsync($"/api/v1/cases/{@case.CaseId}/diagnostics"))
            .ReadAs<List<DiagnosticResponse>>(HttpStatusCode.OK);

        Assert.Equal([firstDayZero.Id, secondDayZero.Id, dayThree.Id, undated.Id], listed.Select(d => d.Id));
    }

    [Fact]
    public async Task Case_without_diagnostics_lists_none()
    {
        var @case = await app.InsertCaseAsync();

        var listed = await (await Client.GetAsync($"/api/v1/cases/{@case.CaseId}/diagnostics"))
            .ReadAs<List<DiagnosticResponse>>(HttpStatusCode.OK);

        Assert.Empty(listed);
    }

    [Fact]
    public async Task Replacing_only_the_measurements_of_a_diagnostic_stores_them_and_bumps_its_version()
    {
        var @case = await app.InsertCaseAsync();
        var created = await Create(@case.CaseId, VitalSigns());

        var updated = await (await Client.PutCurrent($"/api/v1/diagnostics/{created.Id}",
                VitalSigns() with { Measurements = [new("respiratory-rate", 17m, "/min")] }))
            .ReadAs<DiagnosticResponse>(HttpStatusCode.OK);

        Assert.Equal((2, @case.CaseId), (updated.Version, updated.CaseId));
        Assert.Equal([new Measurement("respiratory-rate", 17m, "/min")], updated.Measurements);
        var stored = await app.QuerySingleAsync<(int Version, string Measurements)>(
            "SELECT version, measurements::text FROM diagnostics WHERE id = @id", new { id = created.Id });
        Assert.Equal(2, stored.Version);
        Assert.Contains("respiratory-rate", stored.Measurements);
        Assert.DoesNotContain("body-temperature", stored.Measurements);
    }

    [Fact]
    public async Task Replacing_a_diagnostic_clears_the_fields_left_out()
    {
        var @case = await app.InsertCaseAsync();
        var created = await Create(@case.CaseId, VitalSigns());

        var updated = await (await Client.PutJsonCurrent($"/api/v1/diagnostics/{created.Id}",
                """{"kind":"ct-head","result":"normal"}"""))
            .ReadAs<DiagnosticResponse>(HttpStatusCode.OK);

        Assert.Equal((DiagnosticKind.CtHead, null, null), (updated.Kind, updated.Day, updated.Summary));
        Assert.Empty(updated.Findings);
        Assert.Empty(updated.Measurements);
        Assert.Equal("ct-head", await app.QuerySingleAsync<string>("SELECT kind FROM diagnostics WHERE id = @id", new { id = created.Id }));
    }

    [Fact]
    public async Task Deleted_diagnostic_is_gone_and_its_case_remains()
    {
        var @case = await app.InsertCaseAsync();
        var created = await Create(@case.CaseId, VitalSigns());

        var response = await Client.DeleteCurrent($"/api/v1/diagnostics/{created.Id}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await (await Client.GetAsync($"/api/v1/diagnostics/{created.Id}")).ReadProblem(HttpStatusCode.NotFound);
        Assert.Equal(0, await CountDiagnostics(@case.CaseId));
        Assert.Equal(1, await app.QuerySingleAsync<long>("SELECT count(*) FROM cases WHERE id = @id", new { id = @case.CaseId }));
    }

    [Fact]
    public async Task Case_holding_the_maximum_of_diagnostics_refuses_another_with_409()
    {
        var @case = await app.InsertCaseAsync();
        await app.ExecuteAsync("""
            INSERT INTO diagnostics (id, case_id, hospital_id, kind, day, result, ordinal)
            SELECT gen_random_uuid(), @CaseId, @HospitalId, 'lab', n, 'normal', n - 1 FROM generate_series(1, 200) AS n
            """, @case);

        var problem = await (await Client.PostAsJson($"/api/v1/cases/{@case.CaseId}/diagnostics", VitalSigns()))
            .ReadProblem(HttpStatusCode.Conflict);

        Assert.Contains("200", problem.GetProperty("detail").GetString());
        Assert.Equal(200, await CountDiagnostics(@case.CaseId));
    }

    [Fact]
    public async Task Diagnostic_for_an_unknown_case_answers_404_and_stores_nothing()
    {
        var before = await app.QuerySingleAsync<long>("SELECT count(*) FROM diagnostics");
        var caseId = Guid.NewGuid();

        var problem = await (await Client.PostAsJson($"/api/v1/cases/{caseId}/diagnostics", VitalSigns()))
            .ReadProblem(HttpStatusCode.NotFound);

        Assert.Contains(caseId.ToString(), problem.GetProperty("detail").GetString());
        Assert.Equal(before, await app.QuerySingleAsync<long>("SELECT count(*) FROM diagnostics"));
    }

    [Fact]
    public async Task Listing_the_diagnostics_of_an_unknown_case_answers_404()
    {
        await (await Client.GetAsync($"/api/v1/cases/{Guid.NewGuid()}/diagnostics")).ReadProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Unknown_diagnostic_id_answers_404_to_get_put_and_delete()
    {
        var id = Guid.NewGuid();

        await (await Client.GetAsync($"/api/v1/diagnostics/{id}")).ReadProblem(HttpStatusCode.NotFound);
        await (await Client.PutAsJson($"/api/v1/diagnostics/{id}", VitalSigns())).ReadProblem(HttpStatusCode.NotFound);
        await (await Client.DeleteAsync($"/api/v1/diagnostics/{id}")).ReadProblem(HttpStatusCode.NotFound);
        Assert.Equal(0, await app.QuerySingleAsync<long>("SELECT count(*) FROM diagnostics WHERE id = @id", new { id }));
    }

    [Fact]
    public async Task Diagnostic_without_kind_or_result_is_rejected_naming_both()
    {
        var errors = await app.AssertChildRefusedAsync(Client, "diagnostics", """{"day":0}""",
            "kind", "result");

        Assert.Equal("Required.", errors.GetProperty("kind")[0].GetString());
    }

    [Fact]
    public async Task Unknown_diagnostic_kind_is_rejected_listing_the_allowed_ones()
    {
        var errors = await app.AssertChildRefusedAsync(Client, "diagnostics", """{"kind":"pet-scan","result":"normal"}""",
            "kind");

        Assert.Contains("mri-brain", errors.GetProperty("kind")[0].GetString());
    }

    [Fact]
    public async Task Measurement_with_a_blank_name_or_a_unit_with_spaces_is_rejected_naming_the_entry()
    {
        var request = VitalSigns() with { Measurements = [new("heart-rate", 75m, "/min"), new(" ", 110m, "mm Hg"), new("x", null, "Cel")] };

        await app.AssertChildRefusedAsync(Client, "diagnostics", request,
            "measurements[1].name", "measurements[1].unit", "measurements[2].value");
    }

    [Fact]
    public async Task Null_measurement_entry_is_rejected_naming_its_index()
    {
        await app.AssertChildRefusedAsync(Client, "diagnostics", """{"kind":"vital-signs","result":"normal","measurements":[null]}""",
            "measurements[0]");
    }

    [Fact]
    public async Task Day_beyond_a_hundred_years_and_too_many_findings_are_rejected()
    {
        var request = VitalSigns(day: 36501) with { Findings = Enumerable.Repeat("finding", 51).ToList() };

        await app.AssertChildRefusedAsync(Client, "diagnostics", request,
            "day", "findings");
    }

    [Fact]
    public async Task Text_with_a_nul_character_is_rejected_instead_of_failing_in_the_database()
    {
        await app.AssertChildRefusedAsync(Client, "diagnostics", """{"kind":"eeg","result":"normal","summary":"no seizure\u0000activity","findings":["a\u0000b"]}""",
            "summary", "findings");
    }

    [Theory]
    [InlineData("id")]
    [InlineData("caseId")]
    [InlineData("version")]
    public async Task Client_cannot_set_server_owned_fields_of_a_diagnostic(string field)
    {
        var value = field == "version" ? "7" : $"\"{Guid.NewGuid()}\"";

        await app.AssertChildRefusedAsync(Client, "diagnostics", $$"""{"{{field}}":{{value}},"kind":"eeg","result":"normal"}""",
            field);
    }

    [Fact]
    public async Task Rejected_replacement_leaves_the_diagnostic_unchanged()
    {
        var @case = await app.InsertCaseAsync();
        var created = await Create(@case.CaseId, VitalSigns());

        await (await Client.PutJson($"/api/v1/diagnostics/{created.Id}", """{"kind":"eeg"}""")).ReadValidationProblem("result");

        var stored = await app.QuerySingleAsync<(string Kind, int Version)>(
            "SELECT kind, version FROM diagnostics WHERE id = @id", new { id = created.Id });
        Assert.Equal(("vital-signs", 1), stored);
    }
}
