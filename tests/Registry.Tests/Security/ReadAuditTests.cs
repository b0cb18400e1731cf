using Microsoft.Extensions.DependencyInjection;
using Registry.Api.Cases;
using Registry.Api.Data;
using Registry.Api.Security;

namespace Registry.Tests.Security;

/// <summary>Reads of whole cases are audited in batches shared by concurrent requests (Data/ReadAuditQueue).</summary>
public sealed class ReadAuditTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private readonly HttpClient _admin = app.CreateClient();

    private sealed record ReadRow(string RequestId, Guid? ApiKeyId, string Role, Guid? HospitalId, string ResourceId, int VersionBefore, int VersionAfter);

    private Task<List<ReadRow>> ReadRows(string resourceId) => app.QueryAsync<ReadRow>(
        """
        SELECT request_id AS "RequestId", api_key_id AS "ApiKeyId", role AS "Role", hospital_id AS "HospitalId",
               resource_id AS "ResourceId", version_before AS "VersionBefore", version_after AS "VersionAfter"
        FROM audit_log WHERE action = 'read' AND resource_id = @resourceId
        """, new { resourceId });

    /// <summary>The server processes of the group writer's connection: the one whose last statement is its INSERT.</summary>
    private Task<List<int>> Writers() => app.QueryAsync<int>(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'INSERT INTO audit_log%unnest%'");

    private Task<Guid> KeyId(string prefix) => app.QuerySingleAsync<Guid>("SELECT id FROM api_keys WHERE prefix = @prefix", new { prefix });

    [Fact]
    public async Task Concurrent_reads_by_different_callers_each_get_one_audit_row_with_their_own_key_role_and_hospital()
    {
        var tiantanCase = await _admin.CreateCaseAsync(CaseDocuments.Document(KeyBootstrap.TiantanHospital, pseudonym: "READ-AUDIT-T"));
        var harbinCase = await _admin.CreateCaseAsync(CaseDocuments.Document(KeyBootstrap.HarbinHospital, pseudonym: "READ-AUDIT-H"));
        var readers = new (HttpClient Client, string Prefix, string Role, Guid? Hospital, Guid CaseId)[]
        {
            (app.ClientWithKey(DevelopmentKeys.Admin), "devadmin", "admin", null, harbinCase.Id),
            (app.ClientWithKey(DevelopmentKeys.Analyst), "devanalyst", "analyst", null, tiantanCase.Id),
            (app.ClientWithKey(DevelopmentKeys.TiantanHospital), "devtiantan", "hospital", KeyBootstrap.TiantanHospital, tiantanCase.Id),
            (app.ClientWithKey(DevelopmentKeys.HarbinHospital), "devharbin", "hospital", KeyBootstrap.HarbinHospital, harbinCase.Id),
        };

        // Ten rounds of all four readers at once, so rows of different callers share INSERTs.
        var reads = await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
        {
            var reader = readers[i % readers.Length];
            var response = await reader.Client.GetAsync($"/api/v1/cases/{reader.CaseId}");
            var body = await response.ReadAs<CaseResponse>(HttpStatusCode.OK);
            Assert.Equal(reader.CaseId, body.Id);
            return (Reader: reader, RequestId: Assert.Single(response.Headers.GetValues("X-Request-Id")));
        }));

        var rows = (await ReadRows(tiantanCase.Id.ToString())).Concat(await ReadRows(harbinCase.Id.ToString())).ToList();
        Assert.Equal(40, rows.Count);
        Assert.Equal(40, reads.Select(r => r.RequestId).Distinct().Count());
        foreach (var (reader, requestId) in reads)
        {
            var row = Assert.Single(rows, r => r.RequestId == requestId);
            Assert.Equal((await KeyId(reader.Prefix), reader.Role, reader.Hospital, reader.CaseId.ToString(), 1, 1),
                (row.ApiKeyId!.Value, row.Role, row.HospitalId, row.ResourceId, row.VersionBefore, row.VersionAfter));
        }
    }

    [Fact]
    public async Task A_read_whose_audit_row_cannot_be_stored_is_not_answered_while_reads_batched_with_it_are()
    {
        var refused = await _admin.CreateCaseAsync(CaseDocuments.Document(KeyBootstrap.TiantanHospital, pseudonym: "READ-AUDIT-REFUSED"));
        var others = await Task.WhenAll(Enumerable.Range(0, 3).Select(i =>
            _admin.CreateCaseAsync(CaseDocuments.Document(KeyBootstrap.TiantanHospital, pseudonym: $"READ-AUDIT-OK-{i}"))));
        await app.ExecuteAsync($"""
            CREATE FUNCTION refuse_read_audit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'audit storage refused'; END $$;
            CREATE TRIGGER refuse_read_audit BEFORE INSERT ON audit_log FOR EACH ROW
              WHEN (NEW.action = 'read' AND NEW.resource_id = '{refused.Id}') EXECUTE FUNCTION refuse_read_audit();
            """);
        try
        {
            var responses = await Task.WhenAll(Enumerable.Range(0, 24).Select(i =>
                _admin.GetAsync($"/api/v1/cases/{(i % 4 == 0 ? refused.Id : others[i % 3].Id)}")));

            for (var i = 0; i < responses.Length; i++)
            {
                if (i % 4 == 0) await responses[i].ReadProblem(HttpStatusCode.InternalServerError);
                else Assert.Equal(others[i % 3].Id, (await responses[i].ReadAs<CaseResponse>(HttpStatusCode.OK)).Id);
            }
            Assert.Empty(await ReadRows(refused.Id.ToString()));
            Assert.Equal(18, (await Task.WhenAll(others.Select(o => ReadRows(o.Id.ToString())))).Sum(r => r.Count));
        }
        finally
        {
            await app.ExecuteAsync("DROP TRIGGER refuse_read_audit ON audit_log; DROP FUNCTION refuse_read_audit()");
        }
    }

    [Fact]
    public async Task Reads_stay_answered_and_audited_when_the_server_ends_the_batch_writers_connection()
    {
        var cases = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            _admin.CreateCaseAsync(CaseDocuments.Document(KeyBootstrap.HarbinHospital, pseudonym: $"READ-AUDIT-WRITER-{i}"))));
        var answered = 0;
        async Task ReadAllAtOnce()
        {
            var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => _admin.GetAsync($"/api/v1/cases/{cases[i % 4].Id}")));
            Assert.All(responses, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
            answered += responses.Length;
        }

        // Enough reads at once that some are group-committed, which opens the writer's own connection.
        var writers = new List<int>();
        for (var round = 0; round < 10 && writers.Count == 0; round++)
        {
            await ReadAllAtOnce();
            writers = await Writers();
        }
        var writer = Assert.Single(writers);
        Assert.True(await app.QuerySingleAsync<bool>("SELECT pg_terminate_backend(@writer, 5000)", new { writer }));

        for (var round = 0; round < 10 && (await Writers()).Count == 0; round++) await ReadAllAtOnce();

        Assert.NotEqual(writer, Assert.Single(await Writers()));
        Assert.Equal(answered, (await Task.WhenAll(cases.Select(c => ReadRows(c.Id.ToString())))).Sum(r => r.Count));
    }

    [Fact]
    public async Task A_batch_of_one_read_is_stored_after_the_server_ended_the_writers_idle_connection()
    {
        var read = await _admin.CreateCaseAsync(CaseDocuments.Document(KeyBootstrap.TiantanHospital, pseudonym: "READ-AUDIT-ONE"));
        var queue = app.Services.GetRequiredService<RegistryConnections>().ReadAudits;
        await queue.RecordAsync(Caller.System, "before-the-end", [(read.Id, 1)]); // opens the writer's connection
        var writer = Assert.Single(await Writers());
        Assert.True(await app.QuerySingleAsync<bool>("SELECT pg_terminate_backend(@writer, 5000)", new { writer }));

        // Nobody else to retry with: the batch holds this one read, and its first try meets the ended connection.
        await queue.RecordAsync(Caller.System, "after-the-end", [(read.Id, 1)]);

        Assert.Equal(["after-the-end", "before-the-end"], (await ReadRows(read.Id.ToString())).Select(r => r.RequestId).Order());
    }
}
