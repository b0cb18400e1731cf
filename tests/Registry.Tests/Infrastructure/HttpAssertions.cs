using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

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

    public static Task<HttpResponseMessage> PostAsJson<T>(this HttpClient client, string url, T value) =>
        client.PostAsJsonAsync(url, value, RegistryApp.Json);

    public static Task<HttpResponseMessage> PutAsJson<T>(this HttpClient client, string url, T value) =>
        client.PutAsJsonAsync(url, value, RegistryApp.Json);
}
