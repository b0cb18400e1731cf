using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Registry.Tests.Errors;

/// <summary>What every error must look like, and the routes to sweep for it.</summary>
public static class ErrorBodies
{
    /// <summary>Accept values a client may send that no error body matches.</summary>
    public static readonly string[] OddAccepts = ["text/csv", "application/fhir+ndjson", "image/png", "application/xml;q=0.9"];

    /// <summary>FHIR routes are those with a "fhir" path segment under /api/v1: they answer OperationOutcomes.</summary>
    public static bool IsFhir(string path) =>
        path.StartsWith("/api/v1/", StringComparison.Ordinal) && path.Split('?')[0].Split('/').Contains("fhir");

    /// <summary>
    /// Asserts the error answer for <paramref name="path"/>: an OperationOutcome (application/fhir+json) on FHIR
    /// routes, else application/problem+json with the status; returns the names the body points at (the
    /// validation errors' keys, or each issue's expression).
    /// </summary>
    public static async Task<string[]> AssertError(HttpResponseMessage response, HttpStatusCode expected, string path, string context = "")
    {
        var body = await response.Content.ReadAsStringAsync();
        var where = $"{context} {response.RequestMessage?.Method} {path}: {(int)response.StatusCode} {response.Content.Headers.ContentType} {body}";
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected} at {where}");
        var root = JsonDocument.Parse(body.Length == 0 ? "null" : body).RootElement;
        Assert.True(root.ValueKind == JsonValueKind.Object, $"No JSON body at {where}");
        if (IsFhir(path))
        {
            Assert.True(response.Content.Headers.ContentType?.MediaType == "application/fhir+json", $"Not FHIR JSON at {where}");
            Assert.Equal("OperationOutcome", root.GetProperty("resourceType").GetString());
            var issues = root.GetProperty("issue").EnumerateArray().ToArray();
            Assert.NotEmpty(issues);
            Assert.All(issues, i => Assert.False(string.IsNullOrWhiteSpace(i.GetProperty("diagnostics").GetString())));
            return issues.SelectMany(i => i.TryGetProperty("expression", out var e) ? e.EnumerateArray().Select(x => x.GetString()!) : []).ToArray();
        }
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"Not problem+json at {where}");
        Assert.Equal((int)expected, root.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("title").GetString()), where);
        return root.TryGetProperty("errors", out var errors) ? errors.EnumerateObject().Select(p => p.Name).ToArray() : [];
    }

    /// <param name="ContentType">The media type the route takes a body in (routing refuses others with 415).</param>
    /// <param name="Anonymous">Whether the route is open without a key (health, the FHIR CapabilityStatement).</param>
    public sealed record Route(string Method, string Pattern, bool Anonymous, string ContentType)
    {
        /// <summary>The pattern with each route parameter filled in by a value that names nothing stored.</summary>
        public string Path => string.Join('/', Pattern.Split('/').Select(segment =>
            !segment.StartsWith('{') ? segment : segment.Contains(":guid") ? Guid.NewGuid().ToString() : "no-such-code"));

        public override string ToString() => $"{Method} {Pattern}";
    }

    /// <summary>Every route the API maps, from its endpoint data sources.</summary>
    public static IReadOnlyList<Route> Routes(IServiceProvider services) => services.GetServices<EndpointDataSource>()
        .SelectMany(source => source.Endpoints).OfType<RouteEndpoint>()
        .Where(e => e.RoutePattern.RawText is { } raw && !raw.StartsWith("/swagger", StringComparison.Ordinal))
        .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(method =>
            new Route(method, "/" + e.RoutePattern.RawText!.TrimStart('/'), e.Metadata.GetMetadata<IAllowAnonymous>() is not null || e.Metadata.GetMetadata<IAuthorizeData>() is null,
                e.Metadata.GetMetadata<IAcceptsMetadata>()?.ContentTypes.FirstOrDefault() ?? "application/json")))
        .DistinctBy(r => r.ToString())
        .ToList();
}
