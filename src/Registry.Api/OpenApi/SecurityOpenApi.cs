using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Registry.Api.Common;
using Registry.Api.Idempotency;
using Registry.Api.Security;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Registry.Api.OpenApi;

/// <summary>
/// Documents what authentication and idempotency add to each operation: the Bearer requirement (so Swagger UI's
/// Authorize dialog applies) and the Idempotency-Key header. The statuses they lead to are declared by
/// <see cref="DeclaredStatuses"/>.
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
        if (metadata.OfType<IdempotentCreates.Marker>().Any())
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = IdempotentCreates.Header, In = ParameterLocation.Header, Required = false,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 200 },
                Description = "Any unique string per intended create (a UUID is ideal). A retry with the same key and body replays " +
                    "the first response and creates nothing (header Idempotent-Replayed: true); the same key with another body is a 422; " +
                    "a retry while the first is still running is a 409.",
            });
        }
    }
}
