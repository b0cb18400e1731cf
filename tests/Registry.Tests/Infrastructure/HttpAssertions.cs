namespace Registry.Tests.Infrastructure;

public static class HttpAssertions
{
    /// <summary>Asserts the status and returns the body read as T with the API's JSON options.</summary>
    public static async Task<T> ReadAs<T>(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<T>(body, RegistryApp.Json)!;
    }

    /// <summary>Asserts an application/problem+json answer with this status; returns its parsed body.</summary>
    public static async Task<JsonElement> ReadProblem(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        return problem;
    }

    /// <summary>Asserts a 400 validation problem that names each of these JSON paths under "errors".</summary>
    public static async Task<JsonElement> ReadValidationProblem(this HttpResponseMessage response, params string[] paths)
    {
        var problem = await response.ReadProblem(HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        foreach (var path in paths)
            Assert.True(errors.TryGetProperty(path, out var messages) && messages.GetArrayLength() > 0,
                $"Expected an error at '{path}'; errors were {errors}");
        return errors;
    }

    public static Task<HttpResponseMessage> PostJson(this HttpClient client, string url, string json) =>
        client.PostAsync(url, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

    public static Task<HttpResponseMessage> PutJson(this HttpClient client, string url, string json) =>
        client.PutAsync(url, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

    /// <summary>The ETag a GET of the resource answers now (what a client would send back as If-Match).</summary>
    public static async Task<string> CurrentETag(this HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        Assert.True(response.IsSuccessStatusCode, $"GET {url} answered {(int)response.StatusCode}");
        return response.Headers.ETag?.ToString() ?? throw new InvalidOperationException($"GET {url} sent no ETag");
    }

    /// <summary>PUT with If-Match set to the resource's current ETag, as a client that just read it would.</summary>
    public static async Task<HttpResponseMessage> PutCurrent<T>(this HttpClient client, string url, T value)
    {
        var etag = await client.CurrentETag(url);
        return await client.SendAsync(new HttpRequestMessage(HttpMethod.Put, url)
        {
            Content = JsonContent.Create(value, options: RegistryApp.Json), Headers = { { "If-Match", etag } },
        });
    }

    public static async Task<HttpResponseMessage> PutJsonCurrent(this HttpClient client, string url, string json)
    {
        var etag = await client.CurrentETag(url);
        return await client.SendAsync(new HttpRequestMessage(HttpMethod.Put, url)
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"), Headers = { { "If-Match", etag } },
        });
    }

    /// <summary>DELETE with If-Match set to the resource's current ETag.</summary>
    public static async Task<HttpResponseMessage> DeleteCurrent(this HttpClient client, string url)
    {
        var etag = await client.CurrentETag(url);
        return await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, url) { Headers = { { "If-Match", etag } } });
    }

    public static Task<HttpResponseMessage> PostAsJson<T>(this HttpClient client, string url, T value) =>
        client.PostAsJsonAsync(url, value, RegistryApp.Json);

    public static Task<HttpResponseMessage> PutAsJson<T>(this HttpClient client, string url, T value) =>
        client.PutAsJsonAsync(url, value, RegistryApp.Json);
}
