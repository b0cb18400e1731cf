using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Registry.Api.Common;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Registry.Api.Security;

/// <summary>
/// Documents what authentication, roles, rate limits, preconditions and idempotency add to each operation:
/// the Bearer requirement (so Swagger UI's Authorize dialog applies), and the 401/403/429/428/412/409/422
/// answers with the headers that lead to them.
/// </summary>
public sealed class SecurityOpenApi : IOperationFilter
{
    public static void AddTo(SwaggerGenOptions options)
    {
        options.AddSecurityDefinition(ApiKeyAuthentication.SchemeName, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "hfs_<prefix>_<secret>",
            Description = "An API key, sent as 'Authorization: Bearer hfs_…'. In development the README lists ready-made keys.",
        });
        options.OperationFilter<SecurityOpenApi>();
    }

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        var policies = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).ToList();
        if (policies.Count == 0 || metadata.OfType<IAllowAnonymous>().Any()) return;

        operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyAuthentication.SchemeName, context.Document)] = [] }];
        Add(operation, context, 401, "No key, or an unknown or revoked one.");
        if (policies.Any(p => p is Policies.Write or Policies.Admin))
            Add(operation, context, 403, policies.Contains(Policies.Admin) ? "Only admin keys may do this." : "Analyst keys may not do this.");
        Add(operation, context, 429, "Too many requests for this key; see Retry-After.");

        if (operation.Parameters?.Any(p => p.Name == "If-Match") == true)
        {
            Add(operation, context, 428, "If-Match is missing.");
            Add(operation, context, 412, "If-Match names an older version: the resource changed since it was read.");
        }
        if (metadata.OfType<Idempotency.Marker>().Any())
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = Idempotency.Header, In = ParameterLocation.Header, Required = false,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 200 },
                Description = "Any unique string per intended create (a UUID is ideal). A retry with the same key and body replays " +
                    "the first response and creates nothing (header Idempotent-Replayed: true); the same key with another body is a 422; " +
                    "a retry while the first is still running is a 409.",
            });
            Add(operation, context, 409, "The first request with this Idempotency-Key is still running (or a conflict with existing data).");
            Add(operation, context, 422, "This Idempotency-Key was used with a different request.");
        }
    }

    private static void Add(OpenApiOperation operation, OperationFilterContext context, int status, string description)
    {
        operation.Responses ??= [];
        if (operation.Responses.ContainsKey(status.ToString())) return;
        var schema = context.SchemaGenerator.GenerateSchema(typeof(ProblemDetails), context.SchemaRepository);
        operation.Responses[status.ToString()] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, IOpenApiMediaType> { ["application/problem+json"] = new OpenApiMediaType { Schema = schema } },
        };
    }
}
