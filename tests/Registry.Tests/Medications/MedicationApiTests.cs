using Registry.Api.Drugs;
using Registry.Api.Medications;

namespace Registry.Tests.Medications;

public sealed class MedicationApiTests(RegistryApp app) : ApiTests(app)
{
    /// <summary>Case 1's gabapentin: started on admission, increased on day 2, tapered at the end.</summary>
    private static MedicationRequest Gabapentin() => new(
        "gabapentin", "Gabapentin capsules", Route.Oral, "capsule", new DoseRequest(300m, "mg"), "three times daily",
        0, 61, Setting.Both, "reduce abnormal neuronal firing",
        [new AdjustmentRequest(2, DoseChange.Increased, "minimal relief after two days")], Ending.Tapered);

    private Task<long> CountMedications(Guid caseId) =>
        app.QuerySingleAsync<long>("SELECT count(*) FROM medications WHERE case_id = @caseId", new { caseId });

    private async Task<MedicationResponse> Create(Guid caseId, MedicationRequest request) =>
        await (await Client.PostAsJson($"/api/v1/cases/{caseId}/medications", request)).ReadAs<MedicationResponse>(HttpStatusCode.Created);

    [Fact]
    public async Task Medication_added_to_a_case_carries_the_drug_vocabulary_and_is_stored_under_the_case_hospital()
    {
        var @case = await app.InsertCaseAsync();

        var response = await Client.PostAsJson($"/api/v1/cases/{@case.CaseId}/medications", Gabapentin());

        var created = await response.ReadAs<MedicationResponse>(HttpStatusCode.Created);
        Assert.Equal($"/api/v1/medications/{created.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal(("gabapentin", "Gabapentin", "N03AX12", "anticonvulsant"),
            (created.Drug, created.DrugName, created.AtcCode, created.DrugClass));
        var read = await (await Client.GetAsync(response.Headers.Location)).ReadAs<MedicationResponse>(HttpStatusCode.OK);
        Assert.Equal(("N03AX12", Route.Oral, Setting.Both, Ending.Tapered, new Dose(300m, "mg"), 1),
            (read.AtcCode, read.Route, read.Setting, read.Ending, read.Dose, read.Version));
        Assert.Equal([new Adjustment(2, DoseChange.Increased, "minimal relief after two days")], read.Adjustments);
        var stored = await app.QuerySingleAsync<(Guid HospitalId, string Route, decimal DoseAmount, string Adjustments)>(
            "SELECT hospital_id, route, dose_amount, adjustments::text FROM medications WHERE id = @id", new { id = created.Id });
        Assert.Equal((@case.HospitalId, "oral", 300m), (stored.HospitalId, stored.Route, stored.DoseAmount));
        Assert.Contains("\"increased\"", stored.Adjustments);
    }

    [Fact]
    public async Task Drug_without_an_atc_code_is_answered_with_a_null_atc_code()
    {
        var @case = await app.InsertCaseAsync();

        var created = await Create(@case.CaseId, Gabapentin() with
        {
            Drug = "xuesaitong", ProductName = "Xuesaitong injection", Route = Route.Parenteral, Form = "injection",
            Dose = null, Adjustments = null, Setting = Setting.Inpatient,
        });

        Assert.Equal(("xuesaitong", null, "traditional Chinese medicine (circulatory)"), (created.Drug, created.AtcCode, created.DrugClass));
        Assert.Null(created.Dose);
        Assert.Empty(created.Adjustments);
    }

    [Fact]
    public async Task Medications_of_a_case_are_listed_by_start_day_with_undated_ones_last()
    {
        var @case = await app.InsertCaseAsync();
        var undated = await Create(@case.CaseId, Gabapentin() with { StartDay = null, Adjustments = null });
        var dayTwo = await Create(@case.CaseId, Gabapentin() with { Drug = "thiamine", StartDay = 2, Adjustments = null });
        var dayZero = await Create(@case.CaseId, Gabapentin() with { Drug = "cobalamin" });
        await Create((await app.InsertCaseAsync()).CaseId, Gabapentin());

        var listed = await (await Client.GetAsync($"/api/v1/cases/{@case.CaseId}/medications"))
            .ReadAs<List<MedicationResponse>>(HttpStatusCode.OK);

        Assert.Equal([dayZero.Id, dayTwo.Id, undated.Id], listed.Select(m => m.Id));
        Assert.Equal(["B03BA", "A11DA01", "N03AX12"], listed.Select(m => m.AtcCode));
    }

    [Fact]
    public async Task Replacing_a_medication_changes_drug_and_adjustments_and_bumps_its_version()
    {
        var @case = await app.InsertCaseAsync();
        var created = await Create(@case.CaseId, Gabapentin());

        var updated = await (await Client.PutCurrent($"/api/v1/medications/{created.Id}", Gabapentin() with
            {
                Drug = "carbamazepine", ProductName = "Carbamazepine tablets", Form = "tablet",
                Adjustments = [new(3, DoseChange.Decreased, null), new(5, DoseChange.Stopped, "rash")],
            }))
            .ReadAs<MedicationResponse>(HttpStatusCode.OK);

        Assert.Equal(("carbamazepine", "N03AF01", 2), (updated.Drug, updated.AtcCode, updated.Version));
        Assert.Equal([3, 5], updated.Adjustments.Select(a => a.Day));
        var stored = await app.QuerySingleAsync<(string Drug, int Version, int Adjustments)>(
            "SELECT drug, version, jsonb_array_length(adjustments) FROM medications WHERE id = @id", new { id = created.Id });
        Assert.Equal(("carbamazepine", 2, 2), stored);
    }

    [Fact]
    public async Task Deleted_medication_is_gone_and_its_case_remains()
    {
        var @case = await app.InsertCaseAsync();
        var created = await Create(@case.CaseId, Gabapentin());

        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteCurrent($"/api/v1/medications/{created.Id}")).StatusCode);

        await (await Client.GetAsync($"/api/v1/medications/{created.Id}")).ReadProblem(HttpStatusCode.NotFound);
        Assert.Equal(0, await CountMedications(@case.CaseId));
        Assert.Equal(1, await app.QuerySingleAsync<long>("SELECT count(*) FROM cases WHERE id = @id", new { id = @case.CaseId }));
    }

    [Fact]
    public async Task Medication_for_an_unknown_case_answers_404_and_stores_nothing()
    {
        var before = await app.QuerySingleAsync<long>("SELECT count(*) FROM medications");

        await (await Client.PostAsJson($"/api/v1/cases/{Guid.NewGuid()}/medications", Gabapentin())).ReadProblem(HttpStatusCode.NotFound);
        await (await Client.GetAsync($"/api/v1/cases/{Guid.NewGuid()}/medications")).ReadProblem(HttpStatusCode.NotFound);

        Assert.Equal(before, await app.QuerySingleAsync<long>("SELECT count(*) FROM medications"));
    }

    [Fact]
    public async Task Unknown_medication_id_answers_404_to_get_put_and_delete()
    {
        var id = Guid.NewGuid();

        var problem = await (await Client.GetAsync($"/api/v1/medications/{id}")).ReadProblem(HttpStatusCode.NotFound);
        await (await Client.PutAsJson($"/api/v1/medications/{id}", Gabapentin())).ReadProblem(HttpStatusCode.NotFound);
        await (await Client.DeleteAsync($"/api/v1/medications/{id}")).ReadProblem(HttpStatusCode.NotFound);

        Assert.Contains(id.ToString(), problem.GetProperty("detail").GetString());
        Assert.Equal(0, await app.QuerySingleAsync<long>("SELECT count(*) FROM medications WHERE id = @id", new { id }));
    }

    [Fact]
    public async Task Unknown_drug_code_is_rejected_naming_the_code_and_where_to_find_valid_ones()
    {
        var @case = await app.InsertCaseAsync();

        var errors = await (await Client.PostAsJson($"/api/v1/cases/{@case.CaseId}/medications", Gabapentin() with { Drug = "aspirin" }))
            .ReadValidationProblem("drug");

        var message = errors.GetProperty("drug")[0].GetString();
        Assert.Contains("'aspirin'", message);
        Assert.Contains("/api/v1/vocabulary", message);
        Assert.Equal(0, await CountMedications(@case.CaseId));
    }

    [Fact]
    public async Task Drug_added_to_the_vocabulary_is_accepted_at_once()
    {
        var @case = await app.InsertCaseAsync();
        await Create(@case.CaseId, Gabapentin()); // the vocabulary is now cached
        (await Client.PostAsJson("/api/v1/vocabulary/drugs", new Registry.Api.Vocabulary.DrugRequest("pregabalin", "Pregabalin", "N03AX16", "anticonvulsant")))
            .EnsureSuccessStatusCode();

        var created = await Create(@case.CaseId, Gabapentin() with { Drug = "pregabalin" });

        Assert.Equal(("Pregabalin", "N03AX16"), (created.DrugName, created.AtcCode));
    }

    [Fact]
    public async Task End_day_before_start_day_is_rejected_naming_end_day()
    {
        var @case = await app.InsertCaseAsync();

        var errors = await (await Client.PostAsJson($"/api/v1/cases/{@case.CaseId}/medications", Gabapentin() with { StartDay = 5, EndDay = 4, Adjustments = null }))
            .ReadValidationProblem("endDay");

        Assert.Contains("startDay", errors.GetProperty("endDay")[0].GetString());
        Assert.False(errors.TryGetProperty("startDay", out _));
        Assert.Equal(0, await CountMedications(@case.CaseId));
    }

    [Fact]
    public async Task Adjustment_outside_the_course_of_the_drug_is_rejected_naming_its_day()
    {
        var @case = await app.InsertCaseAsync();
        var request = Gabapentin() with
        {
            StartDay = 3, EndDay = 10,
            Adjustments = [new(4, DoseChange.Increased, null), new(2, DoseChange.Increased, null), new(11, DoseChange.Stopped, null)],
        };

        var errors = await (await Client.PostAsJson($"/api/v1/cases/{@case.CaseId}/medications", request))
            .ReadValidationProblem("adjustments[1].day", "adjustments[2].day");

        Assert.False(errors.TryGetProperty("adjustments[0].day", out _));
        Assert.Equal(0, await CountMedications(@case.CaseId));
    }

    [Fact]
    public async Task Adjustment_without_day_or_change_and_a_null_adjustment_are_rejected_naming_each()
    {
        await app.AssertChildRefusedAsync(Client, "medications", """{"drug":"gabapentin","route":"oral","setting":"inpatient","adjustments":[{"note":"x"},null]}""",
            "adjustments[0].day", "adjustments[0].change", "adjustments[1]");
    }

    [Theory]
    [InlineData("0", "dose.amount")]
    [InlineData("-1", "dose.amount")]
    [InlineData("100001", "dose.amount")]
    [InlineData("0.00001", "dose.amount")]
    public async Task Dose_amount_outside_its_bounds_is_rejected(string amount, string path)
    {
        await app.AssertChildRefusedAsync(Client, "medications", $$$"""{"drug":"gabapentin","route":"oral","setting":"inpatient","dose":{"amount":{{{amount}}},"unit":"mg"}}""",
            path);
    }

    [Fact]
    public async Task Dose_without_a_unit_is_rejected_naming_dose_unit()
    {
        await app.AssertChildRefusedAsync(Client, "medications", """{"drug":"gabapentin","route":"oral","setting":"inpatient","dose":{"amount":300}}""",
            "dose.unit");
    }

    [Fact]
    public async Task Medication_without_drug_route_or_setting_is_rejected_naming_each()
    {
        await app.AssertChildRefusedAsync(Client, "medications", """{"productName":"Gabapentin capsules"}""",
            "drug", "route", "setting");
    }

    [Fact]
    public async Task Unknown_route_is_rejected_listing_the_allowed_ones()
    {
        var errors = await app.AssertChildRefusedAsync(Client, "medications", """{"drug":"gabapentin","route":"nasal","setting":"inpatient"}""",
            "route");

        Assert.Contains("parenteral", errors.GetProperty("route")[0].GetString());
    }

    [Fact]
    public async Task Case_id_in_the_body_is_rejected_as_not_part_of_the_contract()
    {
        await app.AssertChildRefusedAsync(Client, "medications", $$"""{"caseId":"{{Guid.NewGuid()}}","drug":"gabapentin","route":"oral","setting":"inpatient"}""",
            "caseId");
    }

    [Fact]
    public async Task Rejected_replacement_leaves_the_medication_unchanged()
    {
        var @case = await app.InsertCaseAsync();
        var created = await Create(@case.CaseId, Gabapentin());

        await (await Client.PutCurrent($"/api/v1/medications/{created.Id}", Gabapentin() with { Drug = "unknown-drug" }))
            .ReadValidationProblem("drug");

        var stored = await app.QuerySingleAsync<(string Drug, int Version)>(
            "SELECT drug, version FROM medications WHERE id = @id", new { id = created.Id });
        Assert.Equal(("gabapentin", 1), stored);
    }
}
