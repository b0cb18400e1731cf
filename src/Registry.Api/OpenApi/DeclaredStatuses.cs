using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.OpenApi;
using Registry.Api.Common;
using Registry.Api.Idempotency;
using Registry.Api.Security;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Registry.Api.OpenApi;

/// <summary>
/// The one place that declares the error statuses an operation can answer, derived from what the endpoint is
/// rather than listed per route: a JSON body can be malformed (400), too large (413) or of another media type (415);
/// query parameters can be malformed or unknown to the route (400, on every route that refuses unknown ones); Accept can
/// rule out the JSON a route answers (406); a path id can name nothing (404); a key can be missing (401), of a
/// role that may not do this (403) or over its rate (429); If-Match can be missing (428) or stale (412); an
/// Idempotency-Key can be in use (409) or reused with another body (422); and whatever reads the database can
/// find it unavailable (503: every authenticated route, since the key itself is looked up there).
/// Statuses a route declares itself (Produces/ProducesProblem) keep their own schema and description.
/// </summary>
public sealed class DeclaredStatuses : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        var parameters = context.ApiDescription.ParameterDescriptions;
        var hasBody = operation.RequestBody is not null;
        var policies = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).ToList();
        var authenticated = policies.Count > 0 && !metadata.OfType<IAllowAnonymous>().Any();

        // An NDJSON upload answers each bad line in its 200 stream instead.
        var jsonBody = operation.RequestBody?.Content?.Keys.Any(k => k is "application/json" || k.EndsWith("+json", StringComparison.Ordinal)) == true;
        if (jsonBody || parameters.Any(p => p.Source == BindingSource.Query) || metadata.OfType<KnownQueryParameters.Marker>().Any())
            Add(operation, context, 400, "The request has invalid fields or query parameters: `errors` names each (a body member by its JSON path).");
        if (AcceptNegotiation.Applies(metadata))
            Add(operation, context, 406, "The Accept header does not allow application/json, the only media type this operation answers.");
        if (parameters.Any(p => p.Source == BindingSource.Path))
            Add(operation, context, 404, "No resource has this id (or it belongs to another hospital).");
        if (hasBody)
        {
            Add(operation, context, 413, "The body is over the size limit.");
            Add(operation, context, 415, "The body is not of a media type this operation accepts.");
        }
        if (authenticated)
        {
            Add(operation, context, 401, "No key, or an unknown or revoked one.");
            if (policies.Any(p => p is Policies.Write or Policies.Admin))
                Add(operation, context, 403, policies.Contains(Policies.Admin) ? "Only admin keys may do this." : "Analyst keys may not do this.");
            Add(operation, context, 429, "Too many requests for this key; see Retry-After.");
            Add(operation, context, 503, "The database cannot be reached, or the query took too long; see Retry-After.");
        }
        if (operation.Parameters?.Any(p => p.Name == "If-Match") == true)
        {
            Add(operation, context, 428, "If-Match is missing.");
            Add(operation, context, 412, "If-Match names an older version: the resource changed since it was read.");
        }
        if (metadata.OfType<IdempotentCreates.Marker>().Any())
        {
            Add(operation, context, 409, "The first request with this Idempotency-Key is still running (or a conflict with existing data).");
            Add(operation, context, 422, "This Idempotency-Key was used with a different request.");
        }
    }

    private static void Add(OpenApiOperation operation, OperationFilterContext context, int status, string description)
    {
        operation.Responses ??= [];
        if (operation.Responses.ContainsKey(status.ToString())) return;
        var type = status == 400 ? typeof(HttpValidationProblemDetails) : typeof(ProblemDetails);
        var schema = context.SchemaGenerator.GenerateSchema(type, context.SchemaRepository);
        operation.Responses[status.ToString()] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, IOpenApiMediaType> { ["application/problem+json"] = new OpenApiMediaType { Schema = schema } },
        };
    }
}
