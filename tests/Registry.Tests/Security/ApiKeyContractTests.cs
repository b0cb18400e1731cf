using System.Net;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Security;

/// <summary>Issue 4's authentication contract as a client sees it over HTTP (the browser tests cover Swagger UI).</summary>
[Trait("needs", "issue4")]
public sealed class ApiKeyContractTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private HttpClient Anonymous()
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = null; // whatever default key the fixture sends
        return client;
    }

    [Theory]
    [InlineData(null)]
    [InlineData("hfs_unknown_not-a-registered-key")]
    public async Task An_API_request_without_a_known_key_is_a_401_problem_with_a_Bearer_challenge(string? key)
    {
        var client = Anonymous();
        if (key is not null) client.WithKey(key);

        var response = await client.GetAsync("/api/v1/cases");

        await response.ReadProblem(HttpStatusCode.Unauthorized);
        Assert.Contains(response.Headers.WwwAuthenticate, challenge => challenge.Scheme == "Bearer");
    }

    [Fact]
    public async Task The_admin_development_key_reads_the_seeded_cases()
    {
        var response = await Anonymous().WithKey(DevelopmentKeys.Admin).GetAsync("/api/v1/cases");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("tiantan-2019-04-hfs-gabapentin", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    [InlineData("/swagger/index.html")]
    [InlineData("/swagger/v1/swagger.json")]
    public async Task Health_and_Swagger_stay_open_without_a_key(string path)
    {
        var response = await Anonymous().GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task The_OpenAPI_document_declares_the_Bearer_scheme_for_the_Authorize_button()
    {
        var document = System.Text.Json.JsonDocument.Parse(await Anonymous().GetStringAsync("/swagger/v1/swagger.json")).RootElement;

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer");
        Assert.Equal("http", scheme.GetProperty("type").GetString());
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString(), ignoreCase: true);
    }
}
