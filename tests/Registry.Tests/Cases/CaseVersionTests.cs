using Registry.Api.Cases;
using Registry.Api.Medications;

namespace Registry.Tests.Cases;

/// <summary>GET /cases/{id}/versions: every write keeps the whole case as it was, deletions included.</summary>
public sealed class CaseVersionTests(RegistryApp app) : ApiTests(app)
{
    private async Task<CaseResponse> CreateAsync(string pseudonym) =>
        await Client.CreateCaseAsync(CaseDocuments.Document(await Client.CreateHospitalAsync($"Versions {pseudonym}"), pseudonym: pseudonym));

    [Fact]
    public async Task Each_write_stores_a_version_and_each_version_reads_back_as_the_case_was()
    {
        var created = await CreateAsync("v-1");
        var document = CaseDocuments.Document(created.HospitalId, pseudonym: "v-1", age: 52, drugs: ["carbamazepine"]);
        (await Client.PutCurrent($"/api/v1/cases/{created.Id}", document)).EnsureSuccessStatusCode();
        // A change to one child alone is a change to the case too.
        var medication = (await Client.GetFromJsonAsync<List<MedicationResponse>>($"/api/v1/cases/{created.Id}/medications", RegistryApp.Json))![0];
        (await Client.DeleteCurrent($"/api/v1/medications/{medication.Id}")).EnsureSuccessStatusCode();

        var list = await (await Client.GetAsync($"/api/v1/cases/{created.Id}/versions")).ReadAs<CaseVersionList>(HttpStatusCode.OK);
        var current = await Client.GetFromJsonAsync<CaseResponse>($"/api/v1/cases/{created.Id}", RegistryApp.Json);
        var first = await (await Client.GetAsync($"/api/v1/cases/{created.Id}/versions/1")).ReadAs<CaseResponse>(HttpStatusCode.OK);
        var second = await (await Client.GetAsync($"/api/v1/cases/{created.Id}/versions/2")).ReadAs<CaseResponse>(HttpStatusCode.OK);
        var third = await (await Client.GetAsync($"/api/v1/cases/{created.Id}/versions/3")).ReadAs<CaseResponse>(HttpStatusCode.OK);

        Assert.Equal([1, 2, 3], list.Versions.Select(v => v.Version));
        Assert.All(list.Versions, v => Assert.False(v.Deleted));
        Assert.Equal(3, current!.Version);
        Assert.Equal(47, first.AgeAtPresentation);
        Assert.Equal(["gabapentin", "thiamine"], first.Medications.Select(m => m.Drug));
        Assert.Equal(first.Outcomes.Count, created.Outcomes.Count);
        Assert.Equal(52, second.AgeAtPresentation);
        Assert.Equal(["carbamazepine"], second.Medications.Select(m => m.Drug));
        Assert.Empty(third.Medications);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(current, RegistryApp.Json), System.Text.Json.JsonSerializer.Serialize(third, RegistryApp.Json));
        await (await Client.GetAsync($"/api/v1/cases/{created.Id}/versions/4")).ReadProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_deleted_case_keeps_its_history_for_admins_ending_in_a_deletion_and_is_gone_for_others()
    {
        var created = await CreateAsync("v-2");
        (await Client.DeleteCurrent($"/api/v1/cases/{created.Id}")).EnsureSuccessStatusCode();

        var list = await (await Client.GetAsync($"/api/v1/cases/{created.Id}/versions")).ReadAs<CaseVersionList>(HttpStatusCode.OK);
        var stored = await (await Client.GetAsync($"/api/v1/cases/{created.Id}/versions/1")).ReadAs<CaseResponse>(HttpStatusCode.OK);
        var analyst = app.ClientWithKey(DevelopmentKeys.Analyst);

        Assert.Equal([(1, false), (2, true)], list.Versions.Select(v => (v.Version, v.Deleted)));
        Assert.Equal(created.Id, stored.Id);
        Assert.Equal(created.Medications.Select(m => m.Id), stored.Medications.Select(m => m.Id));
        await (await Client.GetAsync($"/api/v1/cases/{created.Id}/versions/2")).ReadProblem(HttpStatusCode.Gone);
        await (await analyst.GetAsync($"/api/v1/cases/{created.Id}/versions")).ReadProblem(HttpStatusCode.Gone);
        await (await analyst.GetAsync($"/api/v1/cases/{created.Id}/versions/1")).ReadProblem(HttpStatusCode.Gone);
    }

    [Fact]
    public async Task Versions_follow_tenancy_redaction_and_audit_like_reads_of_the_case()
    {
        var created = await CreateAsync("v-3");
        var harbin = app.ClientWithKey(DevelopmentKeys.HarbinHospital);
        var analyst = app.ClientWithKey(DevelopmentKeys.Analyst);
        var audited = () => app.QuerySingleAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'read' AND resource_id = @id AND version_after = 1",
            new { id = created.Id.ToString() });
        var before = await audited();

        await (await harbin.GetAsync($"/api/v1/cases/{created.Id}/versions")).ReadProblem(HttpStatusCode.NotFound);
        await (await harbin.GetAsync($"/api/v1/cases/{created.Id}/versions/1")).ReadProblem(HttpStatusCode.NotFound);
        var redacted = await (await analyst.GetAsync($"/api/v1/cases/{created.Id}/versions/1")).ReadAs<CaseResponse>(HttpStatusCode.OK);

        Assert.Null(redacted.SourceCaseId);
        Assert.Equal(before + 1, await audited());
    }
}
