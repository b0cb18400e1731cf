using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Registry.Api.Common;

namespace Registry.Api.Data;

public static class VersionedWrites
{
    /// <summary>
    /// The resource a write names, tracked; or null and the answer that ends the write: 404 when there is none, 428
    /// or 412 when If-Match is missing or stale or the body's version differs (<see cref="Preconditions.Check"/>).
    /// </summary>
    public static async Task<(T? Found, ProblemHttpResult? Refused)> FindForWriteAsync<T>(this IQueryable<T> resources,
        Guid id, string name, string? ifMatch, CancellationToken ct, int? sentVersion = null) where T : Versioned
    {
        var found = await resources.FirstOrDefaultAsync(r => r.Id == id, ct);
        if (found is null) return (null, Problems.NotFound(name, id));
        return Preconditions.Check(ifMatch, found.Version, sentVersion) is { } failed ? (null, failed) : (found, null);
    }

    /// <summary>Deletes the resource if If-Match names its version: 204, else 404, 428 or 412 and nothing deleted.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteVersionedAsync<T>(this RegistryDb db, DbSet<T> resources,
        Guid id, string name, string? ifMatch, CancellationToken ct) where T : Versioned
    {
        var (found, refused) = await resources.FindForWriteAsync(id, name, ifMatch, ct);
        if (found is null) return refused!;
        resources.Remove(found);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }
}
