using System.Text.Json.Nodes;
using Registry.Api.Cases;
using Registry.Api.Common;
using Registry.Api.Outcomes;

namespace Registry.Tests.Cases;

/// <summary>
/// A case's summary columns (drugs, final outcome, first improvement day) are kept by every writer, in the transaction
/// of the write (no trigger since migration 0044): POST and PUT /cases, the bulk route, the seed loader, FHIR import
/// and the medication and outcome routes. Each is held here to the rules, computed apart in SQL from the stored
/// children, including the tie between assessments on the same day.
/// </summary>
public sealed class SummaryColumnTests(RegistryApp app) : ApiTests(app)
{
    /// <summary>Three assessments on the last day, so the final one is decided by the tie-break (the last sent), and an earlier improvement.</summary>
    private static readonly (int, OutcomeStatus)[] TiedOutcomes =
        [(10, OutcomeStatus.MarkedImprovement), (30, OutcomeStatus.Improved), (30, OutcomeStatus.Unchanged), (30, OutcomeStatus.Worsened)];

    private sealed class Summary
    {
        public string[] Drugs { get; init; } = [];
        public string? Status { get; init; }
        public int? Day { get; init; }
        public int? Improved { get; init; }
    }

    private Task<Summary> StoredAsync(Guid id) => app.QuerySingleAsync<Summary>("""
        SELECT drugs AS "Drugs", final_outcome_status AS "Status", final_outcome_day AS "Day",
               first_improvement_day AS "Improved"
        FROM cases WHERE id = @id
        """, new { id });

    /// <summary>What the database's own rules make of the case's stored children, computed apart from the case row.</summary>
    private Task<Summary> ComputedAsync(Guid id) => app.QuerySingleAsync<Summary>("""
        SELECT ARRAY(SELECT DISTINCT drug FROM medications WHERE case_id = @id ORDER BY 1) AS "Drugs",
               latest.status AS "Status", latest.day AS "Day",
               (SELECT min(day) FROM outcomes WHERE case_id = @id AND status IN ('resolved', 'marked-improvement', 'improved')) AS "Improved"
        FROM (SELECT) one
        LEFT JOIN LATERAL (SELECT status, day FROM outcomes WHERE case_id = @id
                           ORDER BY day DESC, ordinal DESC, id DESC LIMIT 1) latest ON true
        """, new { id });

    /// <summary>The stored summary is what the rules make of the stored children.</summary>
    private async Task AssertSummaryOfItsChildren(Guid id)
    {
        var stored = await StoredAsync(id);
        var computed = await ComputedAsync(id);
        Assert.Equal(computed.Drugs, stored.Drugs);
        Assert.Equal((computed.Status, computed.Day, computed.Improved), (stored.Status, stored.Day, stored.Improved));
    }

    /// <summary>
    /// The case row was last written before its children, so not again after them: a row version keeps the command id
    /// (cmin) of the statement that wrote it, and command ids count up within a transaction.
    /// </summary>
    private async Task AssertCaseRowWrittenBeforeItsChildren(Guid id)
    {
        var (caseCommand, firstChildCommand) = await app.QuerySingleAsync<(long, long)>("""
            SELECT (SELECT cmin::text::bigint FROM cases WHERE id = @id),
                   (SELECT min(cmin::text::bigint) FROM (SELECT cmin FROM medications WHERE case_id = @id
                                                         UNION ALL SELECT cmin FROM outcomes WHERE case_id = @id) children)
            """, new { id });
        Assert.True(caseCommand < firstChildCommand, $"case row written by command {caseCommand}, its first child by {firstChildCommand}");
    }

    [Fact]
    public async Task A_created_case_stores_the_summary_the_database_computes_including_same_day_ties()
    {
        var hospital = await Client.CreateHospitalAsync("Summary Create Hospital");
        for (var i = 0; i < 5; i++)
        {
            var created = await Client.CreateCaseAsync(CaseDocuments.Document(hospital, $"SUM-C-{i}",
                drugs: ["thiamine", "gabapentin", "thiamine"], outcomes: TiedOutcomes));

            await AssertSummaryOfItsChildren(created.Id);
            await AssertCaseRowWrittenBeforeItsChildren(created.Id);
            var stored = await StoredAsync(created.Id);
            Assert.Equal(["gabapentin", "thiamine"], stored.Drugs);
            Assert.Equal(("worsened", 30, 10), (stored.Status, stored.Day!.Value, stored.Improved!.Value));
            Assert.Equal(stored.Status, created.FinalOutcome!.Status.ToCode());
        }
    }

    [Fact]
    public async Task A_replaced_case_stores_the_summary_of_its_new_children_and_keeps_it_when_lists_are_left_out()
    {
        var hospital = await Client.CreateHospitalAsync("Summary Replace Hospital");
        var created = await Client.CreateCaseAsync(CaseDocuments.Document(hospital, "SUM-R", drugs: ["gabapentin"]));

        var replaced = await (await Client.PutCurrent($"/api/v1/cases/{created.Id}",
            CaseDocuments.Document(hospital, "SUM-R", drugs: ["mecobalamin", "carbamazepine"], outcomes: TiedOutcomes)))
            .ReadAs<CaseResponse>(HttpStatusCode.OK);
        await AssertSummaryOfItsChildren(created.Id);
        await AssertCaseRowWrittenBeforeItsChildren(created.Id);
        Assert.Equal(["carbamazepine", "mecobalamin"], (await StoredAsync(created.Id)).Drugs);
        Assert.Equal(30, replaced.FinalOutcome!.Day);

        var kept = await (await Client.PutCurrent($"/api/v1/cases/{created.Id}",
            CaseDocuments.Document(hospital, "SUM-R", age: 48) with { Medications = null, Outcomes = null }))
            .ReadAs<CaseResponse>(HttpStatusCode.OK);
        await AssertSummaryOfItsChildren(created.Id);
        Assert.Equal(replaced.FinalOutcome, kept.FinalOutcome);
        Assert.Equal(["carbamazepine", "mecobalamin"], (await StoredAsync(created.Id)).Drugs);
    }

    [Fact]
    public async Task A_bulk_stored_case_stores_the_summary_the_database_computes()
    {
        var hospital = await Client.CreateHospitalAsync("Summary Bulk Hospital");
        var lines = string.Join('\n', Enumerable.Range(0, 3).Select(i => JsonSerializer.Serialize(
            CaseDocuments.Document(hospital, $"SUM-B-{i}", drugs: ["thiamine", "gabapentin"], outcomes: TiedOutcomes), RegistryApp.Json)));
        var content = new StringContent(lines + "\n", Encoding.UTF8, "application/x-ndjson");

        var response = await Client.PostAsync("/api/v1/cases/bulk", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var ids = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(l => l.GetProperty("status").GetString() == "created")
            .Select(l => l.GetProperty("id").GetGuid()).ToList();
        Assert.Equal(3, ids.Count);
        foreach (var id in ids)
        {
            await AssertSummaryOfItsChildren(id);
            await AssertCaseRowWrittenBeforeItsChildren(id);
        }
    }

    [Fact]
    public async Task Outcomes_and_medications_added_one_by_one_are_summarised_by_their_routes()
    {
        var hospital = await Client.CreateHospitalAsync("Summary Child Hospital");
        var created = await Client.CreateCaseAsync(CaseDocuments.Document(hospital, "SUM-K", drugs: [], outcomes: []));
        Assert.Null(created.FinalOutcome);

        var outcome = new OutcomeRequest(40, AssessmentMethod.InPerson, OutcomeStatus.Resolved, null, false, [], null);
        Assert.Equal(HttpStatusCode.Created, (await Client.PostAsJsonAsync($"/api/v1/cases/{created.Id}/outcomes", outcome, RegistryApp.Json)).StatusCode);
        var medication = new Registry.Api.Medications.MedicationRequest("carbamazepine", null, Registry.Api.Medications.Route.Oral, null, null,
            null, 0, null, Registry.Api.Medications.Setting.Outpatient, null, [], null);
        Assert.Equal(HttpStatusCode.Created, (await Client.PostAsJsonAsync($"/api/v1/cases/{created.Id}/medications", medication, RegistryApp.Json)).StatusCode);

        var stored = await StoredAsync(created.Id);
        Assert.Equal(["carbamazepine"], stored.Drugs);
        Assert.Equal(("resolved", 40, 40), (stored.Status, stored.Day, stored.Improved));
        var read = await (await Client.GetAsync($"/api/v1/cases/{created.Id}")).ReadAs<CaseResponse>(HttpStatusCode.OK);
        Assert.Equal(new FinalOutcome(OutcomeStatus.Resolved, 40, 40), read.FinalOutcome);
    }

    [Fact]
    public async Task Replacing_or_deleting_an_outcome_or_a_medication_through_its_route_updates_the_summary()
    {
        var hospital = await Client.CreateHospitalAsync("Summary Child Change Hospital");
        var created = await Client.CreateCaseAsync(CaseDocuments.Document(hospital, "SUM-X", drugs: ["gabapentin", "thiamine"], outcomes: TiedOutcomes));
        var read = await (await Client.GetAsync($"/api/v1/cases/{created.Id}")).ReadAs<CaseResponse>(HttpStatusCode.OK);
        var finalOne = read.Outcomes.Single(o => o.Day == 30 && o.Status == OutcomeStatus.Worsened);

        var moved = new OutcomeRequest(45, finalOne.Method, OutcomeStatus.Resolved, null, false, [], null);
        Assert.Equal(HttpStatusCode.OK, (await Client.PutCurrent($"/api/v1/outcomes/{finalOne.Id}", moved)).StatusCode);
        Assert.Equal(("resolved", 45, 10), ((await StoredAsync(created.Id)).Status, (await StoredAsync(created.Id)).Day, (await StoredAsync(created.Id)).Improved));

        var thiamine = read.Medications.Single(m => m.Drug == "thiamine");
        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteCurrent($"/api/v1/medications/{thiamine.Id}")).StatusCode);
        Assert.Equal(["gabapentin"], (await StoredAsync(created.Id)).Drugs);
        await AssertSummaryOfItsChildren(created.Id);
    }

    [Fact]
    public async Task Outcomes_added_to_one_case_at_once_are_all_counted_in_its_summary()
    {
        var hospital = await Client.CreateHospitalAsync("Summary Concurrent Hospital");
        var created = await Client.CreateCaseAsync(CaseDocuments.Document(hospital, "SUM-P", drugs: [], outcomes: []));

        var posts = Enumerable.Range(1, 8).Select(day => Client.PostAsJsonAsync($"/api/v1/cases/{created.Id}/outcomes",
            new OutcomeRequest(day, AssessmentMethod.Phone, day == 3 ? OutcomeStatus.Improved : OutcomeStatus.Unchanged, null, false, [], null), RegistryApp.Json));
        Assert.All(await Task.WhenAll(posts), r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));

        var stored = await StoredAsync(created.Id);
        Assert.Equal(("unchanged", 8, 3), (stored.Status, stored.Day, stored.Improved));
        await AssertSummaryOfItsChildren(created.Id);
    }

    [Fact]
    public async Task The_seed_loader_stores_the_summary_of_the_seed_cases()
    {
        var seeded = await app.QueryAsync<Guid>("SELECT case_id FROM seed_history WHERE case_id IS NOT NULL");

        Assert.NotEmpty(seeded);
        foreach (var id in seeded) await AssertSummaryOfItsChildren(id);
        Assert.Contains(seeded, id => StoredAsync(id).Result.Drugs.Length > 0);
    }

    [Fact]
    public async Task A_fhir_imported_case_stores_the_summary_of_its_children()
    {
        var hospital = await Client.CreateHospitalAsync("Summary FHIR Hospital");
        var exported = await Client.CreateCaseAsync(CaseDocuments.Document(hospital, "SUM-F", sourceCaseId: "SUM-F", drugs: ["thiamine", "gabapentin"], outcomes: TiedOutcomes));
        var bundle = JsonNode.Parse(await Client.GetStringAsync($"/api/v1/cases/{exported.Id}/fhir?bundleType=transaction"))!;
        var encounter = bundle["entry"]!.AsArray().Select(e => e!["resource"]!).Single(r => (string)r["resourceType"]! == "Encounter");
        encounter["identifier"]![0]!["value"] = "SUM-F-IMPORTED";

        var response = await Client.PostAsync("/api/v1/fhir", new StringContent(bundle.ToJsonString(), Encoding.UTF8, "application/fhir+json"));

        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var imported = await app.QuerySingleAsync<Guid>("SELECT id FROM cases WHERE source_case_id = 'SUM-F-IMPORTED'");
        await AssertSummaryOfItsChildren(imported);
        Assert.Equal(["gabapentin", "thiamine"], (await StoredAsync(imported)).Drugs);
    }
}
