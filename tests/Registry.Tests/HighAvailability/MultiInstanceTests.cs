using Microsoft.AspNetCore.Mvc.Testing;
using Registry.Api.Security;
using Registry.Api.Vocabulary;

using Registry.Api.Drugs;
using Registry.Api.Keys;
using Registry.Api.Data;

namespace Registry.Tests.HighAvailability;

/// <summary>
/// Issue 14, point 3: two API instances (two hosts) on one database keep the promises one instance makes:
/// the per-key rate limit, revocation and the drug vocabulary.
/// </summary>
public sealed class MultiInstanceTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private static HttpClient Client(WebApplicationFactory<Program> instance, string key) => instance.CreateClient().WithKey(key);

    [Fact]
    public async Task With_two_instances_each_allows_half_of_the_keys_burst_so_that_together_they_allow_the_configured_burst()
    {
        (string, string)[] limit = [("Registry:RateLimit:PerSecond", "2"), ("Registry:RateLimit:Burst", "6"), ("Registry:RateLimit:Instances", "2")];
        await using var first = app.WithSettings(limit);
        await using var second = app.WithSettings(limit);

        HttpResponseMessage? refused = null;
        foreach (var instance in new[] { first, second })
        {
            var client = Client(instance, DevelopmentKeys.Analyst);
            var accepted = 0;
            while (accepted < 8 && (refused = await client.GetAsync("/api/v1/vocabulary")).StatusCode == HttpStatusCode.OK) accepted++;
            // Its share of the burst is 3; one token a second comes back meanwhile, so a slow machine may see 4 or 5,
            // never the 6 a whole burst per instance would allow.
            Assert.InRange(accepted, 3, 5);
        }

        var problem = await refused!.ReadProblem(HttpStatusCode.TooManyRequests);
        Assert.Contains("bursts up to 3) on each of 2 instances", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_key_revoked_on_one_instance_is_refused_by_another_within_its_key_cache_bound()
    {
        await using var revoking = app.WithSettings();
        await using var other = app.WithSettings((ApiKeyAuthentication.CacheSecondsSetting, "0"));
        var admin = Client(revoking, DevelopmentKeys.Admin);
        var created = await (await admin.PostAsJson("/api/v1/keys", new KeyRequest("ha-test", Role.Analyst, null)))
            .ReadAs<CreatedKeyResponse>(HttpStatusCode.Created);
        var elsewhere = Client(other, created.Key);
        Assert.Equal(HttpStatusCode.OK, (await elsewhere.GetAsync("/api/v1/vocabulary")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/keys/{created.Details.Id}")).StatusCode);

        await (await elsewhere.GetAsync("/api/v1/vocabulary")).ReadProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_drug_added_on_one_instance_is_accepted_by_another_within_its_vocabulary_cache_bound()
    {
        await using var adding = app.WithSettings();
        await using var other = app.WithSettings((DrugCatalog.CacheSecondsSetting, "0"));
        var elsewhere = Client(other, DevelopmentKeys.Admin);
        var document = CaseDocuments.Document(KeyBootstrap.TiantanHospital, pseudonym: "VOC-1", sourceCaseId: "VOCAB-1", drugs: ["ha-test-drug"]);
        await (await elsewhere.PostAsJson("/api/v1/cases", document)).ReadValidationProblem("medications[0].drug");

        await (await Client(adding, DevelopmentKeys.Admin).PostAsJson("/api/v1/vocabulary/drugs",
            new DrugRequest("ha-test-drug", "HA test drug", null, "other"))).ReadAs<JsonElement>(HttpStatusCode.Created);

        var created = await elsewhere.CreateCaseAsync(document);
        Assert.Equal(1, await app.QuerySingleAsync<int>(
            "SELECT count(*)::int FROM medications WHERE case_id = @id AND drug = 'ha-test-drug'", new { id = created.Id }));
    }
}
