namespace Registry.Tests.Fhir;

/// <summary>
/// What a FHIR Bulk Data client does (the IG's kick-off, status polling and download; Firely's FhirClient has none of
/// it): kick off with Prefer: respond-async, follow Content-Location, poll as Retry-After says until the manifest
/// comes, then download each file with the same key.
/// </summary>
public sealed class BulkDataClient(HttpClient http)
{
    /// <summary>Every 202 answer the polling saw, as (X-Progress, Retry-After).</summary>
    public List<(string Progress, string RetryAfter)> Waits { get; } = [];

    public async Task<Uri> KickOffAsync(string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("Prefer", "respond-async");
        request.Headers.Add("Accept", "application/fhir+json");
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"kick-off: {(int)response.StatusCode} {body}");
        var location = response.Content.Headers.ContentLocation ?? throw new Xunit.Sdk.XunitException("no Content-Location");
        Assert.True(location.IsAbsoluteUri, $"Content-Location {location} is not absolute");
        return location;
    }

    /// <summary>Polls the status URL until it answers 200, honouring Retry-After; returns the manifest.</summary>
    public async Task<JsonElement> WaitForManifestAsync(Uri status, int maxPolls = 120)
    {
        for (var poll = 0; poll < maxPolls; poll++)
        {
            using var response = await http.GetAsync(status);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
                return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            }
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"status: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var progress = Assert.Single(response.Headers.GetValues("X-Progress"));
            var retryAfter = response.Headers.RetryAfter?.Delta ?? throw new Xunit.Sdk.XunitException("202 without Retry-After");
            Waits.Add((progress, ((int)retryAfter.TotalSeconds).ToString()));
            await Task.Delay(retryAfter);
        }
        throw new Xunit.Sdk.XunitException($"no manifest after {maxPolls} polls");
    }

    /// <summary>The manifest's files, downloaded: type → lines.</summary>
    public async Task<Dictionary<string, List<string>>> DownloadAsync(JsonElement manifest)
    {
        var files = new Dictionary<string, List<string>>();
        foreach (var output in manifest.GetProperty("output").EnumerateArray())
        {
            using var response = await http.GetAsync(output.GetProperty("url").GetString());
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"download: {(int)response.StatusCode} {body}");
            Assert.Equal("application/fhir+ndjson", response.Content.Headers.ContentType?.MediaType);
            Assert.True(body.EndsWith('\n'), "every line ends with a newline");
            files[output.GetProperty("type").GetString()!] = body.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        }
        return files;
    }

    public async Task<Dictionary<string, List<string>>> ExportAsync(string url) =>
        await DownloadAsync(await WaitForManifestAsync(await KickOffAsync(url)));
}
