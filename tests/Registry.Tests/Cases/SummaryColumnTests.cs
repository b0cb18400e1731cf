using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Registry.Api.Cases;
using Registry.Api.Common;
using Registry.Api.Outcomes;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Cases;

/// <summary>
/// A case's summary columns (drugs, final outcome, first improvement day) are the database's to keep: its triggers
/// refresh them when a transaction that changed medications or outcomes commits (migration 0014). Whole-case writes
/// fill them in beforehand, so that the commit has nothing left to change; these tests hold the two to the same
/// rules, including the tie between assessments on the same day.
/// </summary>
public sealed class SummaryColumnTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private readonly HttpClient _client = app.CreateClient();

    /// <summary>Three assessments on the last day, so the final one is decided by the tie-break (the last sent), and an earlier improvement.</summary>
    private static readonly (int, OutcomeStatus)[] TiedOutcomes =
        [(10, OutcomeStatus.MarkedImprovement), (30, OutcomeStatus.Improved), (30, OutcomeStatus.Unchanged), (30, OutcomeStatus.Worsened)];

    private sealed class Summary
    {
        public string[] Drugs { get; init; } = [];
        public string? Status { get; init; }
        public int? Day { get; init; }
        public int? Improved { get; init; }
        public string Ctid { get; init; } = "";
    }

    private Task<Summary> StoredAsync(Guid id) => app.QuerySingleAsync<Summary>("""
        SELECT drugs AS "Drugs", final_outcome_status AS "Status", final_outcome_day AS "Day",
               first_improvement_day AS "Improved", ctid::text AS "Ctid"
        FROM cases WHERE id = @id
        """, new { id });

    /// <summary>What the database's own rules make of the case's stored children, computed apart from the case row.</summary>
    private Task<Summary> ComputedAsync(Guid id) => app.QuerySingleAsync<Summary>("""
        SELECT ARRAY(SELECT DISTINCT drug FROM medications WHERE case_id = @id ORDER BY 1) AS "Drugs",
               latest.status AS "Status", latest.day AS "Day",
               (SELECT min(day) FROM outcomes WHERE case_id = @id AND status IN ('resolved', 'marked-improvement', 'improved')) AS "Improved",
               '' AS "Ctid"
        FROM (SELECT) one
        LEFT JOIN LATERAL (SELECT status, day FROM outcomes WHERE case_id = @id
                           ORDER BY day DESC, ordinal DESC, id DESC LIMIT 1) latest ON true
        """, new { id });

    /// <summary>
    /// The stored summary equals the database's rules, and running the database's refresh writes no new row version
    /// (the row keeps its ctid): the commit had nothing to correct either.
    /// </summary>
    private async Task AssertSummaryAsTheDatabaseKeepsIt(Guid id)
    {
        var stored = await StoredAsync(id);
        var computed = await ComputedAsync(id);
        Assert.Equal(computed.Drugs, stored.Drugs);
        Assert.Equal((computed.Status, computed.Day, computed.Improved), (stored.Status, stored.Day, stored.Improved));

        await app.ExecuteAsync("SELECT refresh_case_summary(@id)", new { id });
        Assert.Equal(stored.Ctid, (await StoredAsync(id)).Ctid);
    }

    /// <summary>
    /// The case row was last written before its children, so not again at commit: a row version keeps the command id
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
        var hospital = await _client.CreateHospitalAsync("Summary Create Hospital");
        for (var i = 0; i < 5; i++)
        {
            var created = await _client.CreateCaseAsync(CaseDocuments.Document(hospital, $"SUM-C-{i}",
                drugs: ["thiamine", "gabapentin", "thiamine"], outcomes: TiedOutcomes));

            await AssertSummaryAsTheDatabaseKeepsIt(created.Id);
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
        var hospital = await _client.CreateHospitalAsync("Summary Replace Hospital");
        var created = await _client.CreateCaseAsync(CaseDocuments.Document(hospital, "SUM-R", drugs: ["gabapentin"]));

        var replaced = await (await _client.PutCurrent($"/api/v1/cases/{created.Id}",
            CaseDocuments.Document(hospital, "SUM-R", drugs: ["mecobalamin", "carbamazepine"], outcomes: TiedOutcomes)))
            .ReadAs<CaseResponse>(HttpStatusCode.OK);
        await AssertSummaryAsTheDatabaseKeepsIt(created.Id);
        await AssertCaseRowWrittenBeforeItsChildren(created.Id);
        Assert.Equal(["carbamazepine", "mecobalamin"], (await StoredAsync(created.Id)).Drugs);
        Assert.Equal(30, replaced.FinalOutcome!.Day);

        var kept = await (await _client.PutCurrent($"/api/v1/cases/{created.Id}",
            CaseDocuments.Document(hospital, "SUM-R", age: 48) with { Medications = null, Outcomes = null }))
            .ReadAs<CaseResponse>(HttpStatusCode.OK);
        await AssertSummaryAsTheDatabaseKeepsIt(created.Id);
        Assert.Equal(replaced.FinalOutcome, kept.FinalOutcome);
        Assert.Equal(["carbamazepine", "mecobalamin"], (await StoredAsync(created.Id)).Drugs);
    }

    [Fact]
    public async Task A_bulk_stored_case_stores_the_summary_the_database_computes()
    {
        var hospital = await _client.CreateHospitalAsync("Summary Bulk Hospital");
        var lines = string.Join('\n', Enumerable.Range(0, 3).Select(i => JsonSerializer.Serialize(
            CaseDocuments.Document(hospital, $"SUM-B-{i}", drugs: ["thiamine", "gabapentin"], outcomes: TiedOutcomes), RegistryApp.Json)));
        var content = new StringContent(lines + "\n", Encoding.UTF8, "application/x-ndjson");

        var response = await _client.PostAsync("/api/v1/cases/bulk", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var ids = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(l => l.GetProperty("status").GetString() == "created")
            .Select(l => l.GetProperty("id").GetGuid()).ToList();
        Assert.Equal(3, ids.Count);
        foreach (var id in ids)
        {
            await AssertSummaryAsTheDatabaseKeepsIt(id);
            await AssertCaseRowWrittenBeforeItsChildren(id);
        }
    }

    [Fact]
    public async Task Outcomes_and_medications_written_one_by_one_are_summarised_when_their_transaction_commits()
    {
        var hospital = await _client.CreateHospitalAsync("Summary Child Hospital");
        var created = await _client.CreateCaseAsync(CaseDocuments.Document(hospital, "SUM-K", drugs: [], outcomes: []));
        Assert.Null(created.FinalOutcome);

        var outcome = new OutcomeRequest(40, AssessmentMethod.InPerson, OutcomeStatus.Resolved, null, false, [], null);
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsJsonAsync($"/api/v1/cases/{created.Id}/outcomes", outcome, RegistryApp.Json)).StatusCode);
        var medication = new Registry.Api.Medications.MedicationRequest("carbamazepine", null, Registry.Api.Medications.Route.Oral, null, null,
            null, 0, null, Registry.Api.Medications.Setting.Outpatient, null, [], null);
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsJsonAsync($"/api/v1/cases/{created.Id}/medications", medication, RegistryApp.Json)).StatusCode);

        var stored = await StoredAsync(created.Id);
        Assert.Equal(["carbamazepine"], stored.Drugs);
        Assert.Equal(("resolved", 40, 40), (stored.Status, stored.Day, stored.Improved));
        var read = await (await _client.GetAsync($"/api/v1/cases/{created.Id}")).ReadAs<CaseResponse>(HttpStatusCode.OK);
        Assert.Equal(new FinalOutcome(OutcomeStatus.Resolved, 40, 40), read.FinalOutcome);
    }
}
