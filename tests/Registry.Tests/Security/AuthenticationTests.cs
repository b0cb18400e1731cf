using Registry.Api.Keys;
using Registry.Api.Security;
using Registry.Api.Data;

namespace Registry.Tests.Security;

public sealed class AuthenticationTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private readonly HttpClient _admin = app.CreateClient();

    [Theory]
    [InlineData(null)]
    [InlineData("hfs_nosuchkey_0000000000000000000000")]
    [InlineData("not-a-key")]
    [InlineData("hfs_devadmin_wrong-secret-for-this-prefix")]
    public async Task Missing_malformed_or_unknown_keys_get_401_problem_with_a_bearer_challenge(string? key)
    {
        var response = await app.ClientWithKey(key).GetAsync("/api/v1/cases");

        var problem = await response.ReadProblem(HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("Authorization: Bearer", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    [InlineData("/swagger/index.html")]
    [InlineData("/swagger/v1/swagger.json")]
    public async Task Health_and_swagger_stay_open_without_a_key(string path)
    {
        var response = await app.ClientWithKey(null).GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_declares_the_bearer_scheme_behind_the_authorize_button()
    {
        var document = JsonDocument.Parse(await app.ClientWithKey(null).GetStringAsync("/swagger/v1/swagger.json")).RootElement;

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer");
        Assert.Equal(("http", "bearer"), (scheme.GetProperty("type").GetString(), scheme.GetProperty("scheme").GetString()));
        var getCases = document.GetProperty("paths").GetProperty("/api/v1/cases").GetProperty("get");
        Assert.True(getCases.GetProperty("security")[0].TryGetProperty("Bearer", out _));
        Assert.True(getCases.GetProperty("responses").TryGetProperty("401", out _));
    }

    [Fact]
    public async Task A_created_key_works_until_it_is_revoked()
    {
        var created = await (await _admin.PostAsJson("/api/v1/keys", new KeyRequest("Lab import", Role.Analyst, null)))
            .ReadAs<CreatedKeyResponse>(HttpStatusCode.Created);
        var client = app.ClientWithKey(created.Key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/cases")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/v1/keys/{created.Details.Id}")).StatusCode);

        await (await client.GetAsync("/api/v1/cases")).ReadProblem(HttpStatusCode.Unauthorized);
        var listed = await (await _admin.GetAsync("/api/v1/keys")).ReadAs<List<KeyResponse>>(HttpStatusCode.OK);
        Assert.NotNull(Assert.Single(listed, k => k.Id == created.Details.Id).RevokedAt);
    }

    [Fact]
    public async Task Keys_are_stored_only_as_hashes_and_never_listed_with_secrets()
    {
        var created = await (await _admin.PostAsJson("/api/v1/keys", new KeyRequest("Hash check", Role.Admin, null)))
            .ReadAs<CreatedKeyResponse>(HttpStatusCode.Created);
        var secret = created.Key.Split('_', 3)[2];

        var stored = await app.QuerySingleAsync<string>(
            "SELECT row_to_json(k)::text FROM api_keys k WHERE id = @id", new { id = created.Details.Id });
        var listing = await (await _admin.GetAsync("/api/v1/keys")).Content.ReadAsStringAsync();

        Assert.DoesNotContain(secret, stored);
        Assert.DoesNotContain(secret, listing);
        Assert.Equal(32, await app.QuerySingleAsync<int>("SELECT length(secret_hash) FROM api_keys WHERE id = @id", new { id = created.Details.Id }));
    }

    [Fact]
    public async Task Hospital_keys_must_name_a_hospital_and_only_admins_create_keys()
    {
        await (await _admin.PostAsJson("/api/v1/keys", new KeyRequest("No hospital", Role.Hospital, null))).ReadValidationProblem("hospitalId");
        await (await _admin.PostAsJson("/api/v1/keys", new KeyRequest("Unknown hospital", Role.Hospital, Guid.NewGuid()))).ReadValidationProblem("hospitalId");

        var asAnalyst = await app.ClientWithKey(DevelopmentKeys.Analyst).PostAsJson("/api/v1/keys", new KeyRequest("Sneaky", Role.Admin, null));

        await asAnalyst.ReadProblem(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Every_response_carries_a_request_id_that_matches_the_problem_trace_id()
    {
        var response = await app.ClientWithKey(null).GetAsync("/api/v1/cases");

        var problem = await response.ReadProblem(HttpStatusCode.Unauthorized);
        var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        Assert.Contains(requestId, problem.GetProperty("traceId").GetString());
    }
}

/// <summary>Outside development the registry creates one admin key on its first start, and no development keys.</summary>
public sealed class FirstAdminKeyTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Fact]
    public async Task First_start_without_development_keys_creates_exactly_one_admin_key_and_restarts_keep_it()
    {
        await app.ExecuteAsync("DELETE FROM api_keys");

        for (var start = 0; start < 2; start++)
        {
            await using var production = app.WithWebHostBuilder(b => b.UseSetting("Registry:Auth:DevelopmentKeys", "false"));
            await (await production.CreateClient().GetAsync("/health/ready")).ReadAs<JsonElement>(HttpStatusCode.OK);
            var devKey = production.CreateClient();
            devKey.DefaultRequestHeaders.Authorization = new("Bearer", DevelopmentKeys.Admin);
            await (await devKey.GetAsync("/api/v1/cases")).ReadProblem(HttpStatusCode.Unauthorized);
        }

        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM api_keys WHERE role = 'admin'"));
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM api_keys WHERE role <> 'admin'"));
    }
}
