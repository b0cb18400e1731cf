using Registry.Tests.OpenApi.GeneratedClient;

namespace Registry.Tests.OpenApi;

/// <summary>
/// The document is good enough to build on: a C# client generated from it with NSwag compiles, and the README's
/// API tour (GeneratedClient/ApiTour.cs) runs through that client against the API, errors included.
/// </summary>
public sealed class GeneratedClientTests(RegistryApp app) : ApiTests(app)
{
    [Fact]
    public async Task A_client_generated_from_the_document_runs_the_readme_api_tour()
    {
        var document = await Client.GetAsync("/swagger/v1/swagger.json");
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);

        var generated = await ClientCompiler.GenerateAsync(await document.Content.ReadAsStringAsync());
        var assembly = ClientCompiler.Compile(generated, TourSource());
        var run = assembly.GetType("ApiTour")!.GetMethod("RunAsync")!;
        var steps = await (Task<IReadOnlyList<string>>)run.Invoke(null, [Client])!;

        Assert.Equal(
            ["list with drug filter", "get the seeded cases", "outcomes-by-drug", "vocabulary", "POST a whole case with Idempotency-Key",
             "the 409 re-send", "a 400 with bad fields", "a PUT with If-Match", "the case as a FHIR Bundle"],
            steps);
        Assert.Equal(2, await app.QuerySingleAsync<int>("SELECT version FROM cases WHERE source_case_id = 'TT-HFS-2024-0193'"));
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM cases WHERE source_case_id = 'TT-HFS-2024-0194'"));
    }

    private static string TourSource()
    {
        using var stream = typeof(GeneratedClientTests).Assembly.GetManifestResourceStream("ApiTour.cs")!;
        return new StreamReader(stream).ReadToEnd();
    }
}
