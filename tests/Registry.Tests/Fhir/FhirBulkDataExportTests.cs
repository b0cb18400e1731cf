using Npgsql;
using Registry.Api.Fhir;

namespace Registry.Tests.Fhir;

/// <summary>
/// FHIR Bulk Data Access (v2) export through a real Kestrel port, driven as a Bulk Data client drives it: kick-off,
/// polling, manifest, download; with the job's state in PostgreSQL.
/// </summary>
public sealed class FhirBulkDataExportTests(KestrelRegistryApp app) : IClassFixture<KestrelRegistryApp>
{
    private static readonly string[] AllTypes =
        ["Organization", "Patient", "Encounter", "Condition", "DiagnosticReport", "Observation", "Medication", "MedicationStatement"];

    private BulkDataClient Client(string key = DevelopmentKeys.Admin) => new(app.ClientWithKey(key));

    private static JsonElement Parse(string line) => JsonDocument.Parse(line).RootElement;

    /// <summary>
    /// Blocks every worker's snapshot (it writes bulk_export_cases) until disposed, as a long-running selection would:
    /// jobs kicked off meanwhile stay queued or running.
    /// </summary>
    private async Task<NpgsqlConnection> HoldSnapshotsAsync()
    {
        var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("BEGIN; LOCK TABLE bulk_export_cases IN EXCLUSIVE MODE", connection);
        await command.ExecuteNonQueryAsync();
        return connection;
    }

    /// <summary>A job of this key run to completion: its status URL and its first file's URL.</summary>
    private async Task<(Uri Status, string File)> CompletedJobAsync(string kickOff, string key = DevelopmentKeys.Admin)
    {
        var client = Client(key);
        var status = await client.KickOffAsync(kickOff);
        return (status, (await client.WaitForManifestAsync(status)).GetProperty("output")[0].GetProperty("url").GetString()!);
    }

    private static Guid JobId(Uri status) => Guid.Parse(status.OriginalString.Split('/')[^1]);

    [Fact]
    public async Task A_bulk_data_client_kicks_off_polls_and_downloads_one_valid_file_per_type_with_stable_ids()
    {
        var client = Client();
        var kickOff = new Uri(app.ClientWithKey(DevelopmentKeys.Admin).BaseAddress!, "/api/v1/fhir/$export").ToString();

        var status = await client.KickOffAsync(kickOff);
        var manifest = await client.WaitForManifestAsync(status);
        var files = await client.DownloadAsync(manifest);

        Assert.True(DateTimeOffset.TryParse(manifest.GetProperty("transactionTime").GetString(), out _));
        Assert.Equal(kickOff, manifest.GetProperty("request").GetString());
        Assert.True(manifest.GetProperty("requiresAccessToken").GetBoolean());
        Assert.Empty(manifest.GetProperty("error").EnumerateArray());
        var outputs = manifest.GetProperty("output").EnumerateArray().ToList();
        Assert.Equal(AllTypes, outputs.Select(o => o.GetProperty("type").GetString()));
        foreach (var output in outputs)
            Assert.Equal(output.GetProperty("count").GetInt64(), files[output.GetProperty("type").GetString()!].Count);

        // Every line is one resource of the file's type, valid R4 (Firely's validator), referring only to exported resources.
        var exported = files.SelectMany(f => f.Value.Select(line => $"{f.Key}/{Parse(line).GetProperty("id").GetString()}")).ToHashSet();
        foreach (var (type, lines) in files)
            foreach (var line in lines)
            {
                var resource = Parse(line);
                Assert.Equal(type, resource.GetProperty("resourceType").GetString());
                Assert.All(FhirAssert.References(resource), reference => Assert.Contains(reference, exported));
                FhirValidation.AssertValid(line);
            }

        // Ids are the registry's (or derived from them), as in the case Bundles.
        var cases = await app.QueryAsync<(Guid Id, Guid PatientId, Guid HospitalId)>("SELECT id, patient_id, hospital_id FROM cases");
        Assert.Equal(cases.Select(c => FhirJson.DerivedId(c.Id, "encounter").ToString()).Order(), files["Encounter"].Select(l => Parse(l).GetProperty("id").GetString()).Order());
        Assert.Equal(cases.Select(c => c.PatientId.ToString()).Distinct().Order(), files["Patient"].Select(l => Parse(l).GetProperty("id").GetString()).Order());
        Assert.Equal(cases.Select(c => c.HospitalId.ToString()).Distinct().Order(), files["Organization"].Select(l => Parse(l).GetProperty("id").GetString()).Order());
        Assert.Equal(2 * cases.Count, files["Condition"].Count);

        // Each download is in the audit trail.
        var audited = await app.QueryAsync<string>("SELECT resource_id FROM audit_log WHERE resource = 'bulk-export-file' AND resource_id LIKE @job",
            new { job = $"{JobId(status)}/%" });
        Assert.Equal(AllTypes.Select(t => $"{JobId(status)}/{t}").Order(), audited.Order());
    }

    [Fact]
    public async Task While_the_job_waits_for_a_worker_the_status_is_202_with_progress_and_retry_after_then_200()
    {
        var client = Client();
        var http = app.ClientWithKey(DevelopmentKeys.Admin);
        Uri status;

        await using (await HoldSnapshotsAsync())
        {
            status = await client.KickOffAsync("/api/v1/fhir/$export?_type=Encounter");
            for (var i = 0; i < 3; i++)
            {
                using var waiting = await http.GetAsync(status);
                Assert.Equal(HttpStatusCode.Accepted, waiting.StatusCode);
                Assert.Contains(Assert.Single(waiting.Headers.GetValues("X-Progress")), new[] { "queued", "selecting the matching cases" });
                Assert.Equal(TimeSpan.FromSeconds(1), waiting.Headers.RetryAfter?.Delta);
                Assert.Contains(await app.QuerySingleAsync<string>("SELECT status FROM bulk_export_jobs WHERE id = @id", new { id = JobId(status) }),
                    new[] { "queued", "running" });
            }
        }

        var manifest = await client.WaitForManifestAsync(status);
        var output = Assert.Single(manifest.GetProperty("output").EnumerateArray());
        Assert.Equal("Encounter", output.GetProperty("type").GetString());
        Assert.Equal(await app.QuerySingleAsync<long>("SELECT count(*) FROM cases"), output.GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task A_job_left_running_by_an_instance_that_died_is_taken_over_and_served_by_another_instance()
    {
        // What an instance that died while running a job leaves behind: the job claimed, its lease run out.
        var id = Guid.NewGuid();
        await app.ExecuteAsync("""
            INSERT INTO bulk_export_jobs (id, api_key_id, request, types, status, progress, lease_until, expires_at)
            SELECT @id, k.id, 'http://localhost/api/v1/fhir/$export?_type=Patient', '{Patient}', 'running', 'selecting the matching cases',
                   now() - interval '1 second', now() + interval '1 day'
            FROM api_keys k WHERE k.prefix = 'devadmin'
            """, new { id });
        var status = new Uri($"/api/v1/fhir/$export-status/{id}", UriKind.Relative);

        // A second API instance (its own host and worker) over the same database.
        await using var other = app.WithWebHostBuilder(_ => { });
        var otherClient = other.CreateClient();
        otherClient.DefaultRequestHeaders.Authorization = new("Bearer", DevelopmentKeys.Admin);
        var otherBulk = new BulkDataClient(otherClient);
        var manifest = await otherBulk.WaitForManifestAsync(status);
        var files = await otherBulk.DownloadAsync(manifest);

        Assert.Equal("complete", await app.QuerySingleAsync<string>("SELECT status FROM bulk_export_jobs WHERE id = @id", new { id }));
        Assert.Equal(await app.QuerySingleAsync<long>("SELECT count(DISTINCT patient_id) FROM cases"), files["Patient"].Count);
        Assert.Equal(files["Patient"].Count, Assert.Single(manifest.GetProperty("output").EnumerateArray()).GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task Cancelling_a_job_deletes_its_snapshot_and_makes_its_status_and_files_a_404_operation_outcome()
    {
        var http = app.ClientWithKey(DevelopmentKeys.Admin);
        var (status, file) = await CompletedJobAsync("/api/v1/fhir/$export");

        var cancelled = await http.DeleteAsync(status);

        Assert.Equal(HttpStatusCode.Accepted, cancelled.StatusCode);
        await (await http.GetAsync(status)).ReadOutcome(HttpStatusCode.NotFound, "", "cancelled");
        await (await http.GetAsync(file)).ReadOutcome(HttpStatusCode.NotFound, "");
        await (await http.DeleteAsync(status)).ReadOutcome(HttpStatusCode.NotFound, "");
        Assert.Equal("cancelled", await app.QuerySingleAsync<string>("SELECT status FROM bulk_export_jobs WHERE id = @id", new { id = JobId(status) }));
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM bulk_export_cases WHERE job_id = @id", new { id = JobId(status) }));
    }

    [Fact]
    public async Task An_expired_job_is_a_404_operation_outcome()
    {
        var http = app.ClientWithKey(DevelopmentKeys.Admin);
        var (status, file) = await CompletedJobAsync("/api/v1/fhir/$export?_type=Encounter");

        await app.ExecuteAsync("UPDATE bulk_export_jobs SET expires_at = now() - interval '1 second' WHERE id = @id", new { id = JobId(status) });

        await (await http.GetAsync(status)).ReadOutcome(HttpStatusCode.NotFound, "", "expired");
        await (await http.GetAsync(file)).ReadOutcome(HttpStatusCode.NotFound, "");
    }

    [Theory]
    [InlineData(DevelopmentKeys.HarbinHospital)]
    [InlineData(DevelopmentKeys.Admin)]
    public async Task The_status_url_and_files_of_another_key_are_a_404(string otherKey)
    {
        var (status, file) = await CompletedJobAsync("/api/v1/fhir/$export?_type=Encounter", DevelopmentKeys.TiantanHospital);
        var other = app.ClientWithKey(otherKey);

        await (await other.GetAsync(status)).ReadOutcome(HttpStatusCode.NotFound, "");
        await (await other.GetAsync(file)).ReadOutcome(HttpStatusCode.NotFound, "");
        await (await other.DeleteAsync(status)).ReadOutcome(HttpStatusCode.NotFound, "");
        Assert.Equal("complete", await app.QuerySingleAsync<string>("SELECT status FROM bulk_export_jobs WHERE id = @id", new { id = JobId(status) }));
    }

    [Fact]
    public async Task A_hospital_key_exports_only_its_hospital()
    {
        var files = await Client(DevelopmentKeys.TiantanHospital).ExportAsync("/api/v1/fhir/Patient/$export?_type=Organization,Patient,Encounter");

        var organization = Parse(Assert.Single(files["Organization"]));
        Assert.Equal(Registry.Api.Security.KeyBootstrap.TiantanHospital.ToString(), organization.GetProperty("id").GetString());
        var tiantanCases = await app.QueryAsync<Guid>("SELECT id FROM cases WHERE hospital_id = @h", new { h = Registry.Api.Security.KeyBootstrap.TiantanHospital });
        Assert.Equal(tiantanCases.Select(id => FhirJson.DerivedId(id, "encounter").ToString()).Order(),
            files["Encounter"].Select(l => Parse(l).GetProperty("id").GetString()).Order());
        Assert.All(files["Patient"], line => Assert.Equal($"Organization/{organization.GetProperty("id").GetString()}",
            Parse(line).GetProperty("managingOrganization").GetProperty("reference").GetString()));
    }

    [Fact]
    public async Task An_analysts_files_carry_no_pseudonyms_or_source_case_ids()
    {
        var files = await Client(DevelopmentKeys.Analyst).ExportAsync("/api/v1/fhir/$export?_type=Patient,Encounter");

        Assert.NotEmpty(files["Patient"]);
        Assert.All(files["Patient"], line => Assert.False(Parse(line).TryGetProperty("identifier", out _), line));
        Assert.All(files["Encounter"], line => Assert.False(Parse(line).TryGetProperty("identifier", out _), line));
    }

    [Fact]
    public async Task Type_and_since_limit_what_is_exported()
    {
        var before = await app.QuerySingleAsync<DateTime>("SELECT max(updated_at) FROM cases");
        var since = new DateTimeOffset(DateTime.SpecifyKind(before, DateTimeKind.Utc)).ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ");
        var hospital = await app.InsertHospitalAsync("Since Hospital");
        var changed = await app.InsertCaseAsync(hospital, await app.InsertPatientAsync(hospital));
        await app.ExecuteAsync("UPDATE cases SET updated_at = now() + interval '1 second' WHERE id = @changed", new { changed });

        var files = await Client().ExportAsync($"/api/v1/fhir/$export?_type=Encounter,Condition&_since={Uri.EscapeDataString(since)}&_outputFormat=ndjson");

        Assert.Equal(["Condition", "Encounter"], files.Keys.Order());
        Assert.Equal(FhirJson.DerivedId(changed, "encounter").ToString(), Parse(Assert.Single(files["Encounter"])).GetProperty("id").GetString());
        Assert.Equal(2, files["Condition"].Count);
    }

    [Fact]
    public async Task A_post_kick_off_takes_its_parameters_from_a_parameters_resource()
    {
        var http = app.ClientWithKey(DevelopmentKeys.Admin);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/fhir/$export")
        {
            Content = new StringContent("""
                {"resourceType":"Parameters","parameter":[{"name":"_type","valueString":"Organization"},
                 {"name":"_outputFormat","valueString":"application/fhir+ndjson"}]}
                """, System.Text.Encoding.UTF8, "application/fhir+json"),
            Headers = { { "Prefer", "respond-async" } },
        };
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var manifest = await Client().WaitForManifestAsync(response.Content.Headers.ContentLocation!);

        Assert.Equal("Organization", Assert.Single(manifest.GetProperty("output").EnumerateArray()).GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("_type=Patient,Practitioner", "_type", true)]
    [InlineData("_since=2020-01-01", "_since", true)]
    [InlineData("_since=yesterday", "_since", true)]
    [InlineData("_outputFormat=text%2Fcsv", "_outputFormat", true)]
    [InlineData("_typeFilter=Patient%3Fgender%3Dmale", "_typeFilter", true)]
    [InlineData("", "", false)]
    public async Task Malformed_kick_off_parameters_or_no_prefer_header_are_a_400_operation_outcome_and_start_no_job(string query, string expression, bool prefer)
    {
        var jobs = await app.QuerySingleAsync<long>("SELECT count(*) FROM bulk_export_jobs");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/fhir/$export?{query}");
        if (prefer) request.Headers.Add("Prefer", "respond-async");

        var response = await app.ClientWithKey(DevelopmentKeys.Admin).SendAsync(request);

        await response.ReadOutcome(HttpStatusCode.BadRequest, expression);
        Assert.Equal(jobs, await app.QuerySingleAsync<long>("SELECT count(*) FROM bulk_export_jobs"));
    }
}
