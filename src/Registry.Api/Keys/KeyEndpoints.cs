using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Registry.Api.Common;
using Registry.Api.Data;
using Registry.Api.Idempotency;
using Registry.Api.Security;

namespace Registry.Api.Keys;

public static class KeyEndpoints
{
    public static RouteGroupBuilder MapKeys(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/keys").WithTags("API keys").RequireAuthorization(Policies.Admin);

        group.MapGet("/", List).WithName("ListKeys")
            .WithSummary("List API keys")
            .WithDescription("Every key with its prefix, role, hospital and whether it was revoked; never the secrets. Admin only.");
        group.MapPost("/", Create).WithName("CreateKey")
            .WithSummary("Create an API key")
            .WithDescription("""
                Creates a key and returns it once in `key`; the registry stores only a hash of its secret, so it cannot
                be shown again. Hospital keys are bound to one hospital and can only see and write its patients and
                cases; analyst keys read cases (without pseudonyms or source ids) and analytics. Admin only.
                """)
            .WithIdempotency();
        group.MapDelete("/{id:guid}", Revoke).WithName("RevokeKey")
            .WithSummary("Revoke an API key")
            .WithDescription("Revokes the key: it answers 401 from now on. The key stays listed, with revokedAt. Admin only.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        return group;
    }

    private static async Task<Ok<List<KeyResponse>>> List(RegistryDb db, CancellationToken ct) =>
        TypedResults.Ok(await db.ApiKeys.AsNoTracking().OrderBy(k => k.CreatedAt).ThenBy(k => k.Id)
            .Select(k => k.ToResponse()).ToListAsync(ct));

    private static async Task<Results<Created<CreatedKeyResponse>, ValidationProblem>> Create(KeyRequest request, RegistryDb db, CancellationToken ct)
    {
        if (request.HospitalId is { } hospital && !await db.Hospitals.AnyAsync(h => h.Id == hospital, ct))
            return Problems.Invalid("hospitalId", "No hospital has this id.");
        var (key, prefix, hash) = ApiKeySecrets.Generate();
        var entity = new ApiKey { Prefix = prefix, SecretHash = hash, Name = request.Name!.Trim(), Role = request.Role!.Value.ToCode(), HospitalId = request.HospitalId };
        db.ApiKeys.Add(entity);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/keys/{entity.Id}", new CreatedKeyResponse(key, entity.ToResponse()));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Revoke(
        [Description("The key's id.")] Guid id, RegistryDb db, IMemoryCache cache, CancellationToken ct)
    {
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id, ct);
        if (key is null) return Problems.NotFound("key", id);
        key.RevokedAt ??= DateTimeOffset.UtcNow;
        await db.SaveChangesAsync(ct);
        cache.Remove(ApiKeyAuthentication.CacheKey(key.Prefix));
        return TypedResults.NoContent();
    }
}
