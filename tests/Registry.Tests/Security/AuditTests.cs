using Npgsql;
using Registry.Api.Audit;
using Registry.Api.Security;
using Registry.Api.Data;

namespace Registry.Tests.Security;

public sealed class AuditTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private readonly HttpClient _admin = app.CreateClient();

    private async Task<List<AuditRecord>> Trail(string resourceId) =>
        (await (await _admin.GetAsync($"/api/v1/audit?resourceId={resourceId}&limit=200")).ReadAs<AuditPage>(HttpStatusCode.OK))
        .Items.OrderBy(a => a.Id).ToList();

    [Fact]
    public async Task Writes_and_reads_of_a_case_are_recorded_with_who_what_when_and_the_request_id()
    {
        var tiantan = app.ClientWithKey(DevelopmentKeys.TiantanHospital);
        var document = CaseDocuments.Document(KeyBootstrap.TiantanHospital, pseudonym: "AUDIT-1");
        var created = await tiantan.CreateCaseAsync(document);
        var read = await tiantan.GetAsync($"/api/v1/cases/{created.Id}");
        await (await tiantan.PutCurrent($"/api/v1/cases/{created.Id}", document with { AgeAtPresentation = 48 })).ReadAs<object>(HttpStatusCode.OK);
        await (await tiantan.DeleteCurrent($"/api/v1/cases/{created.Id}")).Content.ReadAsStringAsync();

        var trail = await Trail(created.Id.ToString());

        var keyId = await app.QuerySingleAsync<Guid>("SELECT id FROM api_keys WHERE prefix = 'devtiantan'");
        // PutCurrent and DeleteCurrent read the case first, as a client would: those reads are audited too.
        Assert.Equal(["create", "read", "read", "update", "read", "delete"], trail.Select(a => a.Action));
        Assert.All(trail, a => Assert.Equal((keyId, "hospital", KeyBootstrap.TiantanHospital, "case"), (a.ApiKeyId!.Value, a.Role, a.HospitalId!.Value, a.Resource)));
        Assert.Equal(((int?)null, (int?)1), (trail[0].VersionBefore, trail[0].VersionAfter));
        Assert.Equal(((int?)1, (int?)2), (trail.Single(a => a.Action == "update").VersionBefore, trail.Single(a => a.Action == "update").VersionAfter));
        Assert.Equal(((int?)2, (int?)null), (trail[^1].VersionBefore, trail[^1].VersionAfter));
        Assert.Equal(Assert.Single(read.Headers.GetValues("X-Request-Id")), trail[1].RequestId);
    }

    [Fact]
    public async Task The_children_and_patient_created_with_a_case_are_audited_in_its_transaction()
    {
        var created = await _admin.CreateCaseAsync(CaseDocuments.Document(KeyBootstrap.TiantanHospital, pseudonym: "AUDIT-2"));

        var requestId = (await Trail(created.Id.ToString()))[0].RequestId;
        var sameRequest = await (await _admin.GetAsync($"/api/v1/audit?requestId={requestId}&limit=200")).ReadAs<AuditPage>(HttpStatusCode.OK);

        Assert.Equal(
            ["case", "diagnostic", "diagnostic", "medication", "medication", "outcome", "outcome", "outcome", "patient"],
            sameRequest.Items.Select(a => a.Resource).Order());
        Assert.All(sameRequest.Items, a => Assert.Equal("create", a.Action));
    }

    [Theory]
    [InlineData("UPDATE audit_log SET action = 'read'")]
    [InlineData("DELETE FROM audit_log")]
    [InlineData("TRUNCATE audit_log")]
    public async Task The_audit_trail_cannot_be_changed_or_deleted(string sql)
    {
        await _admin.CreateHospitalAsync("Audited");
        var before = await app.QuerySingleAsync<long>("SELECT count(*) FROM audit_log");

        var error = await Assert.ThrowsAsync<PostgresException>(() => app.ExecuteAsync(sql));

        Assert.Contains("append-only", error.MessageText);
        Assert.Equal(before, await app.QuerySingleAsync<long>("SELECT count(*) FROM audit_log"));
    }

    [Fact]
    public async Task Audit_pages_run_newest_first_and_filters_are_validated()
    {
        for (var i = 0; i < 3; i++) await _admin.CreateHospitalAsync($"Paged {i}");

        var first = await (await _admin.GetAsync("/api/v1/audit?resource=hospital&action=create&limit=2")).ReadAs<AuditPage>(HttpStatusCode.OK);
        var second = await (await _admin.GetAsync($"/api/v1/audit?resource=hospital&action=create&limit=2&cursor={first.NextCursor}")).ReadAs<AuditPage>(HttpStatusCode.OK);

        Assert.Equal(2, first.Items.Count);
        Assert.True(first.Items[0].Id > first.Items[1].Id);
        Assert.True(second.Items[0].Id < first.Items[1].Id);
        await (await _admin.GetAsync("/api/v1/audit?action=steal&limit=999")).ReadValidationProblem("action", "limit");
    }
}
