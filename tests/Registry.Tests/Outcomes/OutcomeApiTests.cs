using Registry.Api.Outcomes;

namespace Registry.Tests.Outcomes;

public sealed class OutcomeApiTests(RegistryApp app) : ApiTests(app)
{
    private static OutcomeRequest PhoneFollowUp(int day, OutcomeStatus status, SeverityRequest? severity = null) =>
        new(day, AssessmentMethod.Phone, status, severity, false, [], $"Phone follow-up on day {day}.");

    private Task<long> CountOutcomes(Guid caseId) =>
        app.QuerySingleAsync<long>("SELECT count(*) FROM outcomes WHERE case_id = @caseId", new { caseId });

    private Task<(string? Status, int? Day, int? FirstImprovementDay)> FinalOutcome(Guid caseId) =>
        app.QuerySingleAsync<(string?, int?, int?)>(
            "SELECT final_outcome_status, final_outcome_day, first_improvement_day FROM cases WHERE id = @caseId", new { caseId });

    private async Task<OutcomeResponse> Create(Guid caseId, OutcomeRequest request) =>
        await (await Client.PostAsJson($"/api/v1/cases/{caseId}/outcomes", request)).ReadAs<OutcomeResponse>(HttpStatusCode.Created);

    [Fact]
    public async Task Outcome_added_to_a_case_is_stored_under_the_case_hospital_and_becomes_its_final_outcome()
    {
        var @case = await app.InsertCaseAsync();

        var response = await Client.PostAsJson($"/api/v1/cases/{@case.CaseId}/outcomes",
            PhoneFollowUp(56, OutcomeStatus.Resolved, new SeverityRequest(SeverityScale.Hfs7, 0)));

        var created = await response.ReadAs<OutcomeResponse>(HttpStatusCode.Created);
        Assert.Equal($"/api/v1/outcomes/{created.Id}", response.Headers.Location?.OriginalString);
        var read = await (await Client.GetAsync(response.Headers.Location)).ReadAs<OutcomeResponse>(HttpStatusCode.OK);
        Assert.Equal((@case.CaseId, 56, AssessmentMethod.Phone, OutcomeStatus.Resolved, new Severity(SeverityScale.Hfs7, 0), false, 1),
            (read.CaseId, read.Day, read.Method, read.Status, read.Severity, read.Recurrence, read.Version));
        var stored = await app.QuerySingleAsync<(Guid HospitalId, string Scale)>(
            "SELECT hospital_id, severity_scale FROM outcomes WHERE id = @id", new { id = created.Id });
        Assert.Equal((@case.HospitalId, "hfs-7"), stored);
        Assert.Equal(("resolved", 56, 56), await FinalOutcome(@case.CaseId));
    }

    [Fact]
    public async Task Final_outcome_follows_the_latest_assessment_by_day_through_adds_updates_and_deletes()
    {
        var @case = await app.InsertCaseAsync();

        var weekEight = await Create(@case.CaseId, PhoneFollowUp(56, OutcomeStatus.Resolved));
        var weekFour = await Create(@case.CaseId, PhoneFollowUp(28, OutcomeStatus.MarkedImprovement));
        Assert.Equal(("resolved", 56, 28), await FinalOutcome(@case.CaseId));

        await (await Client.PutCurrent($"/api/v1/outcomes/{weekEight.Id}", PhoneFollowUp(14, OutcomeStatus.Unchanged)))
            .ReadAs<OutcomeResponse>(HttpStatusCode.OK);
        Assert.Equal(("marked-improvement", 28, 28), await FinalOutcome(@case.CaseId));

        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteCurrent($"/api/v1/outcomes/{weekFour.Id}")).StatusCode);
        Assert.Equal(("unchanged", 14, (int?)null), await FinalOutcome(@case.CaseId));

        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteCurrent($"/api/v1/outcomes/{weekEight.Id}")).StatusCode);
        Assert.Equal(((string?)null, (int?)null, (int?)null), await FinalOutcome(@case.CaseId));
    }

    [Fact]
    public async Task Outcomes_of_a_case_are_listed_by_day()
    {
        var @case = await app.InsertCaseAsync();
        var weekEight = await Create(@case.CaseId, PhoneFollowUp(56, OutcomeStatus.Resolved));
        var discharge = await Create(@case.CaseId, PhoneFollowUp(5, OutcomeStatus.Improved) with { Method = AssessmentMethod.InPerson });
        var weekFour = await Create(@case.CaseId, PhoneFollowUp(28, OutcomeStatus.MarkedImprovement));
        await Create((await app.InsertCaseAsync()).CaseId, PhoneFollowUp(1, OutcomeStatus.Unchanged));

        var listed = await (await Client.GetAsync($"/api/v1/cases/{@case.CaseId}/outcomes"))
            .ReadAs<List<OutcomeResponse>>(HttpStatusCode.OK);

        Assert.Equal([discharge.Id, weekFour.Id, weekEight.Id], listed.Select(o => o.Id));
    }

    [Fact]
    public async Task Replacing_an_outcome_changes_its_fields_and_bumps_its_version()
    {
        var @case = await app.InsertCaseAsync();
        var created = await Create(@case.CaseId, PhoneFollowUp(28, OutcomeStatus.Improved));

        var updated = await (await Client.PutCurrent($"/api/v1/outcomes/{created.Id}",
                new OutcomeRequest(28, AssessmentMethod.Record, OutcomeStatus.MarkedImprovement, new(SeverityScale.Jankovic, 2), null,
                    ["mild residual facial asymmetry"], null)))
            .ReadAs<OutcomeResponse>(HttpStatusCode.OK);

        Assert.Equal((2, AssessmentMethod.Record, new Severity(SeverityScale.Jankovic, 2), null),
            (updated.Version, updated.Method, updated.Severity, updated.Notes));
        var stored = await app.QuerySingleAsync<(int Version, string Status, int Score, string[] Residual)>(
            "SELECT version, status, severity_score, residual_findings FROM outcomes WHERE id = @id", new { id = created.Id });
        Assert.Equal((2, "marked-improvement", 2), (stored.Version, stored.Status, stored.Score));
        Assert.Equal(["mild residual facial asymmetry"], stored.Residual);
    }

    [Fact]
    public async Task Outcome_for_an_unknown_case_answers_404_and_stores_nothing()
    {
        var before = await app.QuerySingleAsync<long>("SELECT count(*) FROM outcomes");

        await (await Client.PostAsJson($"/api/v1/cases/{Guid.NewGuid()}/outcomes", PhoneFollowUp(28, OutcomeStatus.Improved)))
            .ReadProblem(HttpStatusCode.NotFound);
        await (await Client.GetAsync($"/api/v1/cases/{Guid.NewGuid()}/outcomes")).ReadProblem(HttpStatusCode.NotFound);

        Assert.Equal(before, await app.QuerySingleAsync<long>("SELECT count(*) FROM outcomes"));
    }

    [Fact]
    public async Task Unknown_outcome_id_answers_404_to_get_put_and_delete()
    {
        var id = Guid.NewGuid();

        await (await Client.GetAsync($"/api/v1/outcomes/{id}")).ReadProblem(HttpStatusCode.NotFound);
        await (await Client.PutAsJson($"/api/v1/outcomes/{id}", PhoneFollowUp(28, OutcomeStatus.Improved))).ReadProblem(HttpStatusCode.NotFound);
        await (await Client.DeleteAsync($"/api/v1/outcomes/{id}")).ReadProblem(HttpStatusCode.NotFound);

        Assert.Equal(0, await app.QuerySingleAsync<long>("SELECT count(*) FROM outcomes WHERE id = @id", new { id }));
    }

    [Theory]
    [InlineData("smc", 5, "1 to 4")]
    [InlineData("smc", 0, "1 to 4")]
    [InlineData("jankovic", 9, "0 to 8")]
    [InlineData("jankovic", -1, "0 to 8")]
    [InlineData("hfs-7", 29, "0 to 28")]
    [InlineData("hfs-30", 121, "0 to 120")]
    public async Task Severity_score_outside_its_scale_is_rejected_naming_the_scale_and_its_range(string scale, int score, string range)
    {
        var @case = await app.InsertCaseAsync();

        var errors = await (await Client.PostJson($"/api/v1/cases/{@case.CaseId}/outcomes",
                $$$"""{"day":28,"method":"phone","status":"improved","severity":{"scale":"{{{scale}}}","score":{{{score}}}}}"""))
            .ReadValidationProblem("severity.score");

        var message = errors.GetProperty("severity.score")[0].GetString();
        Assert.Contains($"'{scale}'", message);
        Assert.Contains(range, message);
        Assert.Equal(0, await CountOutcomes(@case.CaseId));
        Assert.Equal(((string?)null, (int?)null, (int?)null), await FinalOutcome(@case.CaseId));
    }

    [Theory]
    [InlineData(SeverityScale.Smc, 1)]
    [InlineData(SeverityScale.Smc, 4)]
    [InlineData(SeverityScale.Jankovic, 8)]
    [InlineData(SeverityScale.Hfs30, 120)]
    public async Task Severity_score_at_the_edge_of_its_scale_is_accepted(SeverityScale scale, int score)
    {
        var @case = await app.InsertCaseAsync();

        var created = await Create(@case.CaseId, PhoneFollowUp(28, OutcomeStatus.Improved, new SeverityRequest(scale, score)));

        Assert.Equal(score, await app.QuerySingleAsync<int>("SELECT severity_score FROM outcomes WHERE id = @id", new { id = created.Id }));
    }

    [Fact]
    public async Task Severity_without_scale_and_score_is_rejected_naming_both()
    {
        await app.AssertChildRefusedAsync(Client, "outcomes", """{"day":28,"method":"phone","status":"improved","severity":{}}""",
            "severity.scale", "severity.score");
    }

    [Fact]
    public async Task Outcome_without_day_method_or_status_is_rejected_naming_each()
    {
        var errors = await app.AssertChildRefusedAsync(Client, "outcomes", """{"notes":"doing well"}""",
            "day", "method", "status");

        Assert.Equal("Required.", errors.GetProperty("status")[0].GetString());
    }

    [Fact]
    public async Task Unknown_assessment_method_is_rejected_listing_the_allowed_ones()
    {
        var errors = await app.AssertChildRefusedAsync(Client, "outcomes", """{"day":28,"method":"email","status":"improved"}""",
            "method");

        Assert.Contains("in-person", errors.GetProperty("method")[0].GetString());
    }

    [Fact]
    public async Task Client_cannot_set_the_id_of_a_new_outcome()
    {
        await app.AssertChildRefusedAsync(Client, "outcomes", $$"""{"id":"{{Guid.NewGuid()}}","day":28,"method":"phone","status":"improved"}""",
            "id");
    }

    [Fact]
    public async Task Rejected_replacement_leaves_the_outcome_and_the_final_outcome_unchanged()
    {
        var @case = await app.InsertCaseAsync();
        var created = await Create(@case.CaseId, PhoneFollowUp(56, OutcomeStatus.Resolved));

        await (await Client.PutCurrent($"/api/v1/outcomes/{created.Id}",
                PhoneFollowUp(60, OutcomeStatus.Worsened, new SeverityRequest(SeverityScale.Smc, 5))))
            .ReadValidationProblem("severity.score");

        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT version FROM outcomes WHERE id = @id", new { id = created.Id }));
        Assert.Equal(("resolved", 56, 56), await FinalOutcome(@case.CaseId));
    }

    [Fact]
    public async Task Too_many_residual_findings_are_rejected()
    {
        await app.AssertChildRefusedAsync(Client, "outcomes", PhoneFollowUp(28, OutcomeStatus.Improved) with { ResidualFindings = Enumerable.Repeat("asymmetry", 51).ToList() },
            "residualFindings");
    }
}
