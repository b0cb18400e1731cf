using System.Collections.Concurrent;
using Dapper;
using Npgsql;
using Registry.Api.Exports;
using Registry.Api.Security;

namespace Registry.Tests.Exports;

/// <summary>
/// GET /cases/export?since= and GET /fhir/$export-bundles?since=: a warehouse that passes back each answer's cursor
/// gets every change once and every deletion as a tombstone, whatever other transactions do meanwhile.
/// </summary>
public sealed class IncrementalExportTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private readonly HttpClient _admin = app.CreateClient();

    [Fact]
    public async Task Paging_through_cursors_while_others_write_delivers_each_change_once_and_each_deletion_as_a_tombstone()
    {
        var hospital = await app.InsertHospitalAsync("Incremental Export Hospital");
        var patient = await app.InsertPatientAsync(hospital);
        var stamp = 0;
        int Stamp() => Interlocked.Increment(ref stamp);
        // Every write sets followUpDays to a stamp of its own, so each exported row names the write it shows.
        var seeded = new List<Guid>();
        for (var i = 0; i < 12; i++) seeded.Add(await InsertCaseAsync(app.ConnectionString, hospital, patient, Stamp()));
        var heldCase = await InsertCaseAsync(app.ConnectionString, hospital, patient, Stamp());

        var filter = $"&hospitalId={hospital}";
        var start = await NdjsonAsync(_admin, ExportCursor.Origin, filter);
        var warehouse = start.Cases.ToDictionary(c => c.Key, c => FollowUp(c.Value));
        Assert.Equal(seeded.Append(heldCase).Order(), warehouse.Keys.Order());

        // A transaction that takes its id now and commits only after a later cursor was taken, while transactions that
        // began after it commit before it: its rows appear in the database after writes the next cursors have seen.
        await using var held = new NpgsqlConnection(app.ConnectionString);
        await held.OpenAsync();
        var heldTransaction = await held.BeginTransactionAsync();
        var heldStamp = Stamp();
        await held.ExecuteAsync("UPDATE cases SET follow_up_days = @heldStamp WHERE id = @heldCase", new { heldStamp, heldCase });
        var heldNew = await InsertCaseAsync(held, hospital, patient, Stamp());

        var deleted = new ConcurrentBag<Guid>();
        var writers = Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            var mine = seeded.Skip(w * 4).Take(4).ToList();
            await using var connection = new NpgsqlConnection(app.ConnectionString);
            await connection.OpenAsync();
            for (var op = 0; op < 30; op++)
            {
                var choice = random.Next(10);
                if (choice < 4 || mine.Count == 0) mine.Add(await InsertCaseAsync(connection, hospital, patient, Stamp()));
                else if (choice < 8)
                {
                    // Some updates share a transaction with another write, so one transaction writes two cases.
                    await using var transaction = await connection.BeginTransactionAsync();
                    await connection.ExecuteAsync("UPDATE cases SET follow_up_days = @s WHERE id = @id", new { s = Stamp(), id = mine[random.Next(mine.Count)] });
                    if (choice == 7) mine.Add(await InsertCaseAsync(connection, hospital, patient, Stamp()));
                    await Task.Delay(random.Next(5));
                    await transaction.CommitAsync();
                }
                else
                {
                    var victim = mine[random.Next(mine.Count)];
                    mine.Remove(victim);
                    await connection.ExecuteAsync("DELETE FROM cases WHERE id = @victim", new { victim });
                    deleted.Add(victim);
                }
                await Task.Delay(random.Next(10));
            }
        })).ToArray();

        var pages = new List<Page>();
        var cursor = start.Next;
        var sentStamps = new HashSet<int>();
        var tombstones = new HashSet<Guid>();
        var heldCommittedBeforePage = -1;
        while (true)
        {
            var writing = !writers.All(t => t.IsCompleted);
            var page = await NdjsonAsync(_admin, cursor, filter);
            pages.Add(page);
            foreach (var (id, row) in page.Cases)
            {
                Assert.True(sentStamps.Add(FollowUp(row)), $"Write {FollowUp(row)} (case {id}) was sent twice.");
                if (warehouse.TryGetValue(id, out var before)) Assert.True(before < FollowUp(row), $"Case {id} went back from write {before} to {FollowUp(row)}.");
                warehouse[id] = FollowUp(row);
            }
            foreach (var id in page.Tombstones.Keys)
            {
                Assert.True(tombstones.Add(id), $"Case {id}'s deletion was sent twice.");
                warehouse.Remove(id);
            }
            cursor = page.Next;
            if (pages.Count == 3)
            {
                await heldTransaction.CommitAsync();
                heldCommittedBeforePage = pages.Count;
            }
            if (!writing && heldCommittedBeforePage >= 0) break;
            await Task.Delay(30);
        }
        await Task.WhenAll(writers);

        // The held transaction's writes: in no answer before its commit, in exactly one after it.
        var heldSentIn = pages.Select((p, i) => (p, i)).Where(x => x.p.Cases.ContainsKey(heldNew)).Select(x => x.i).ToList();
        Assert.Single(heldSentIn);
        Assert.True(heldSentIn[0] >= heldCommittedBeforePage, $"Sent in answer {heldSentIn[0]}, before its commit ({heldCommittedBeforePage}).");
        Assert.Contains(heldStamp, sentStamps);
        Assert.True(pages.Count > 3, $"Only {pages.Count} answers were taken while writing.");

        // The warehouse holds what the database holds, and every deletion since the start came as a tombstone once.
        var stored = (await app.QueryAsync<(Guid Id, int FollowUpDays)>(
            "SELECT id, follow_up_days FROM cases WHERE hospital_id = @hospital", new { hospital })).ToDictionary(r => r.Id, r => r.FollowUpDays);
        Assert.Equal(stored.OrderBy(s => s.Key), warehouse.OrderBy(s => s.Key));
        Assert.Equal(deleted.Order(), tombstones.Order());
        Assert.Empty((await NdjsonAsync(_admin, cursor, filter)).Cases);
    }

    [Fact]
    public async Task A_deleted_case_comes_as_a_tombstone_in_csv_ndjson_and_fhir()
    {
        var (hospital, patient, kept) = await app.InsertCaseAsync();
        var gone = await app.InsertCaseAsync(hospital, patient, ageAtPresentation: 61);
        var cursor = (await _admin.GetAsync($"/api/v1/cases/export?hospitalId={hospital}")).Headers.GetValues(ExportCursor.Header).Single();

        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteCurrent($"/api/v1/cases/{gone}")).StatusCode);
        await app.ExecuteAsync("UPDATE cases SET follow_up_days = 40 WHERE id = @kept", new { kept });
        var deletedAt = await app.QuerySingleAsync<DateTime>("SELECT recorded_at FROM case_versions WHERE case_id = @gone AND deleted", new { gone });

        var csv = await _admin.GetAsync($"/api/v1/cases/export?since={cursor}&hospitalId={hospital}");
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(CaseExport.CsvHeader + "," + CaseExport.CsvDeletedAtColumn, lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith($"{kept},{hospital},{patient},", lines[1]);
        Assert.EndsWith(",", lines[1]);
        Assert.Equal($"{gone},{hospital}{new string(',', CaseExport.CsvHeader.Split(',').Length - 2)}{deletedAt:yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'}", lines[2]);

        var ndjson = await NdjsonAsync(_admin, cursor, $"&hospitalId={hospital}");
        Assert.Equal([kept], ndjson.Cases.Keys);
        Assert.Equal(40, FollowUp(ndjson.Cases[kept]));
        var tombstone = ndjson.Tombstones[gone];
        Assert.Equal(hospital, tombstone.GetProperty("hospitalId").GetGuid());
        Assert.Equal(new DateTimeOffset(DateTime.SpecifyKind(deletedAt, DateTimeKind.Utc)), tombstone.GetProperty("deletedAt").GetDateTimeOffset());

        var fhir = await FhirAsync(_admin, cursor, $"&hospitalId={hospital}");
        Assert.Equal([kept.ToString()], fhir.Bundles.Select(b => b.GetProperty("id").GetString()));
        Assert.Equal("collection", fhir.Bundles[0].GetProperty("type").GetString());
        var history = Assert.Single(fhir.Tombstones);
        Assert.Equal(gone.ToString(), history.GetProperty("id").GetString());
        var entry = Assert.Single(history.GetProperty("entry").EnumerateArray().ToList());
        Assert.Equal("DELETE", entry.GetProperty("request").GetProperty("method").GetString());
        Assert.Equal($"Encounter/{Registry.Api.Fhir.FhirJson.DerivedId(gone, "encounter")}", entry.GetProperty("request").GetProperty("url").GetString());
        Assert.Equal("204", entry.GetProperty("response").GetProperty("status").GetString());
        var after = await FhirAsync(_admin, fhir.Next, $"&hospitalId={hospital}");
        Assert.Empty(after.Bundles);
        Assert.Empty(after.Tombstones);
    }

    [Fact]
    public async Task A_cursor_from_a_csv_header_works_for_ndjson_and_fhir_and_the_ndjson_trailer_for_csv()
    {
        var (hospital, patient, first) = await app.InsertCaseAsync();
        var filter = $"&hospitalId={hospital}";
        var fromCsv = (await _admin.GetAsync($"/api/v1/cases/export?since=0{filter}")).Headers.GetValues(ExportCursor.Header).Single();
        var second = await app.InsertCaseAsync(hospital, patient);

        var ndjson = await NdjsonAsync(_admin, fromCsv, filter);
        Assert.Equal([second], ndjson.Cases.Keys);
        var fhir = await FhirAsync(_admin, fromCsv, filter);
        Assert.Equal([second.ToString()], fhir.Bundles.Select(b => b.GetProperty("id").GetString()));

        var third = await app.InsertCaseAsync(hospital, patient);
        var csv = await _admin.GetAsync($"/api/v1/cases/export?since={Uri.EscapeDataString(ndjson.Next)}{filter}");
        var rows = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        Assert.Equal([third], rows.Select(r => Guid.Parse(r.Split(',')[0])));
        Assert.DoesNotContain(first, (await NdjsonAsync(_admin, fhir.Next, filter)).Cases.Keys);
        Assert.Equal([third], (await NdjsonAsync(_admin, fhir.Next, filter)).Cases.Keys);
    }

    [Fact]
    public async Task A_hospital_keys_incremental_export_has_only_its_own_changes_and_deletions_and_analysts_get_no_source_ids()
    {
        var tiantanPatient = await app.InsertPatientAsync(KeyBootstrap.TiantanHospital);
        var harbinPatient = await app.InsertPatientAsync(KeyBootstrap.HarbinHospital);
        var tiantanGone = await app.InsertCaseAsync(KeyBootstrap.TiantanHospital, tiantanPatient);
        var harbinGone = await app.InsertCaseAsync(KeyBootstrap.HarbinHospital, harbinPatient);
        var tiantan = app.ClientWithKey(DevelopmentKeys.TiantanHospital);
        var analyst = app.ClientWithKey(DevelopmentKeys.Analyst);
        var cursor = (await tiantan.GetAsync("/api/v1/cases/export?since=0")).Headers.GetValues(ExportCursor.Header).Single();

        var tiantanNew = await app.InsertCaseAsync(KeyBootstrap.TiantanHospital, tiantanPatient);
        var harbinNew = await app.InsertCaseAsync(KeyBootstrap.HarbinHospital, harbinPatient);
        await app.ExecuteAsync("UPDATE cases SET source_case_id = 'TT-' || left(id::text, 8) WHERE id IN (@tiantanNew, @harbinNew)", new { tiantanNew, harbinNew });
        await app.ExecuteAsync("DELETE FROM cases WHERE id IN (@tiantanGone, @harbinGone)", new { tiantanGone, harbinGone });

        var own = await NdjsonAsync(tiantan, cursor);
        Assert.Equal([tiantanNew], own.Cases.Keys);
        Assert.Equal($"TT-{tiantanNew.ToString()[..8]}", own.Cases[tiantanNew].GetProperty("sourceCaseId").GetString());
        Assert.Equal([tiantanGone], own.Tombstones.Keys);
        var ownFhir = await FhirAsync(tiantan, cursor, "");
        Assert.Equal([tiantanNew.ToString()], ownFhir.Bundles.Select(b => b.GetProperty("id").GetString()));
        Assert.Equal([tiantanGone.ToString()], ownFhir.Tombstones.Select(b => b.GetProperty("id").GetString()));

        var all = await NdjsonAsync(analyst, cursor);
        Assert.Equal(new[] { tiantanNew, harbinNew }.Order(), all.Cases.Keys.Order());
        Assert.All(all.Cases.Values, c => Assert.Equal(JsonValueKind.Null, c.GetProperty("sourceCaseId").ValueKind));
        Assert.Equal(new[] { tiantanGone, harbinGone }.Order(), all.Tombstones.Keys.Order());
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2026-12-01T00:00:00Z")]
    [InlineData("10:5:")]
    [InlineData("5:10:7,6")]
    [InlineData("5:10:12")]
    [InlineData("0:10:")]
    [InlineData("5:10")]
    [InlineData("-5:10:")]
    [InlineData("99999999999999999999999:99999999999999999999999:")]
    public async Task A_malformed_cursor_is_a_400_naming_since(string since)
    {
        var escaped = Uri.EscapeDataString(since);
        await (await _admin.GetAsync($"/api/v1/cases/export?since={escaped}")).ReadValidationProblem("since");
        await (await _admin.GetAsync($"/api/v1/cases/export?format=ndjson&since={escaped}&minAge=-1")).ReadValidationProblem("since", "minAge");

        var fhir = await _admin.GetAsync($"/api/v1/fhir/$export-bundles?since={escaped}");
        Assert.Equal(HttpStatusCode.BadRequest, fhir.StatusCode);
        var outcome = JsonDocument.Parse(await fhir.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("OperationOutcome", outcome.GetProperty("resourceType").GetString());
        Assert.Contains(outcome.GetProperty("issue").EnumerateArray(),
            i => i.TryGetProperty("expression", out var e) && e.EnumerateArray().Any(x => x.GetString() == "since"));
    }

    [Theory]
    [InlineData("/api/v1/cases/export")]
    [InlineData("/api/v1/fhir/$export-bundles")]
    public async Task The_openapi_document_describes_since_the_next_cursor_header_and_the_trailer_line(string path)
    {
        var document = JsonDocument.Parse(await _admin.GetStringAsync("/swagger/v1/swagger.json")).RootElement;
        var get = document.GetProperty("paths").GetProperty(path).GetProperty("get");

        var since = Assert.Single(get.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == ExportCursor.Parameter);
        Assert.Equal("query", since.GetProperty("in").GetString());
        Assert.Contains(ExportCursor.Header, since.GetProperty("description").GetString());
        var header = get.GetProperty("responses").GetProperty("200").GetProperty("headers").GetProperty(ExportCursor.Header);
        Assert.Contains("since", header.GetProperty("description").GetString());
        Assert.Contains("nextSince", get.GetProperty("description").GetString());
    }

    private sealed record Page(string Next, Dictionary<Guid, JsonElement> Cases, Dictionary<Guid, JsonElement> Tombstones);

    private sealed record FhirPage(string Next, List<JsonElement> Bundles, List<JsonElement> Tombstones);

    /// <summary>One incremental NDJSON answer: its cases and tombstones (each id at most once), and its trailer's cursor, which the header repeats.</summary>
    private static async Task<Page> NdjsonAsync(HttpClient client, string since, string filters = "")
    {
        var response = await client.GetAsync($"/api/v1/cases/export?format=ndjson&since={Uri.EscapeDataString(since)}{filters}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var trailer = lines[^1];
        Assert.Equal(["nextSince"], trailer.EnumerateObject().Select(p => p.Name));
        var next = trailer.GetProperty("nextSince").GetString()!;
        Assert.Equal(next, response.Headers.GetValues(ExportCursor.Header).Single());
        var rows = lines[..^1];
        var tombstones = rows.Where(r => r.TryGetProperty("deleted", out var d) && d.GetBoolean()).ToList();
        var cases = rows.Except(tombstones).ToList();
        Assert.Equal(cases.Count, cases.Select(c => c.GetProperty("id").GetGuid()).Distinct().Count());
        Assert.Equal(tombstones.Count, tombstones.Select(c => c.GetProperty("id").GetGuid()).Distinct().Count());
        return new Page(next, cases.ToDictionary(c => c.GetProperty("id").GetGuid()), tombstones.ToDictionary(t => t.GetProperty("id").GetGuid()));
    }

    private static async Task<FhirPage> FhirAsync(HttpClient client, string since, string filters)
    {
        var response = await client.GetAsync($"/api/v1/fhir/$export-bundles?since={Uri.EscapeDataString(since)}{filters}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var trailer = lines[^1];
        Assert.Equal("Parameters", trailer.GetProperty("resourceType").GetString());
        var parameter = Assert.Single(trailer.GetProperty("parameter").EnumerateArray().ToList());
        Assert.Equal("nextSince", parameter.GetProperty("name").GetString());
        var next = parameter.GetProperty("valueString").GetString()!;
        Assert.Equal(next, response.Headers.GetValues(ExportCursor.Header).Single());
        var bundles = lines[..^1];
        Assert.All(bundles, b => Assert.Equal("Bundle", b.GetProperty("resourceType").GetString()));
        return new FhirPage(next, bundles.Where(b => b.GetProperty("type").GetString() == "collection").ToList(),
            bundles.Where(b => b.GetProperty("type").GetString() == "history").ToList());
    }

    private static int FollowUp(JsonElement exported) => exported.GetProperty("followUpDays").GetInt32();

    private static async Task<Guid> InsertCaseAsync(string connectionString, Guid hospital, Guid patient, int stamp)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return await InsertCaseAsync(connection, hospital, patient, stamp);
    }

    private static async Task<Guid> InsertCaseAsync(NpgsqlConnection connection, Guid hospital, Guid patient, int stamp)
    {
        var id = Guid.NewGuid();
        await connection.ExecuteAsync("""
            INSERT INTO cases (id, hospital_id, patient_id, age_at_presentation, presentation_date, affected_side,
                               prior_facial_palsy, diagnosis_name, diagnosis_icd10, etiology, follow_up_days)
            VALUES (@id, @hospital, @patient, 50, '2020-01', 'left', false, 'Hemifacial spasm', 'G51.3', 'idiopathic', @stamp)
            """, new { id, hospital, patient, stamp });
        return id;
    }
}
