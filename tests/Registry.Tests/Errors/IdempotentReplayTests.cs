using System.Text.Json.Nodes;
using Registry.Tests.Fhir;

namespace Registry.Tests.Errors;

/// <summary>A replayed response is the first one again: same status, same body, same media type.</summary>
public sealed class IdempotentReplayTests(RegistryApp app) : ApiTests(app)
{
    private Task<HttpResponseMessage> Import(string body, string key) => Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/v1/fhir")
    {
        Content = new StringContent(body, Encoding.UTF8, "application/fhir+json"), Headers = { { "Idempotency-Key", key } },
    });

    [Fact]
    public async Task A_replayed_fhir_error_is_the_same_operation_outcome()
    {
        var body = """{"resourceType":"Patient","gender":"female"}""";

        var first = await Import(body, $"fhir-error-{Guid.NewGuid():N}");
        var firstBody = await first.Content.ReadAsStringAsync();
        var retry = await Import(body, first.RequestMessage!.Headers.GetValues("Idempotency-Key").Single());

        Assert.Equal("true", Assert.Single(retry.Headers.GetValues("Idempotent-Replayed")));
        await retry.ReadOutcome(HttpStatusCode.BadRequest, "Bundle.resourceType");
        Assert.Equal(firstBody, await retry.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_fhir_import_with_an_idempotency_key_is_stored_once_and_replayed_with_the_same_transaction_response()
    {
        var bundle = JsonNode.Parse(await Client.GetStringAsync($"/api/v1/cases/{FhirExportTests.Tiantan}/fhir?bundleType=transaction"))!;
        var identifier = bundle["entry"]!.AsArray().Select(e => e!["resource"]!).Single(r => (string)r["resourceType"]! == "Encounter")["identifier"]![0]!;
        identifier["value"] = $"REPLAY-{Guid.NewGuid():N}";
        var key = $"fhir-import-{Guid.NewGuid():N}";

        var first = await Import(bundle.ToJsonString(), key);
        var firstBody = await first.Content.ReadAsStringAsync();
        Assert.True(first.StatusCode == HttpStatusCode.OK, firstBody);
        var cases = await app.QuerySingleAsync<long>("SELECT count(*) FROM cases");
        var retry = await Import(bundle.ToJsonString(), key);

        var replayed = await retry.ReadFhir(HttpStatusCode.OK);
        Assert.Equal("transaction-response", replayed.GetProperty("type").GetString());
        Assert.Equal(firstBody, await retry.Content.ReadAsStringAsync());
        Assert.Equal(cases, await app.QuerySingleAsync<long>("SELECT count(*) FROM cases"));
    }
}
