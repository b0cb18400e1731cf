using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Registry.Api.Common;
using Registry.Api.Data;

namespace Registry.Api.CaseChildren;

/// <summary>A record that belongs to one case: a diagnostic, a medication or an outcome.</summary>
public interface ICaseChild
{
    Guid Id { get; }
    Guid CaseId { get; }

    /// <summary>Its position among its case's children of its kind: the index in the list sent, or after the others when added later.</summary>
    int Ordinal { get; set; }

    /// <summary>The day it is ordered by: a diagnostic's or outcome's day, a medication's start day.</summary>
    int? OrderDay { get; }
}

public static class CaseChildOrder
{
    /// <summary>
    /// The one order of a case's children, as each kind's InOrder gives it in SQL: by day (undated last), then in the
    /// order they were sent. The id only separates children added at the same moment by concurrent requests.
    /// </summary>
    public static IOrderedEnumerable<T> InCaseOrder<T>(this IEnumerable<T> children) where T : ICaseChild =>
        children.OrderBy(c => c.OrderDay ?? int.MaxValue).ThenBy(c => c.Ordinal).ThenBy(c => c.Id);
}

/// <summary>What the shared case-child handlers need to know about one kind of child.</summary>
public interface ICaseChildKind<TEntity, TRequest, TResponse> where TEntity : Versioned, ICaseChild
{
    /// <summary>Singular and plural resource names, as in the routes: "diagnostic", "diagnostics".</summary>
    static abstract string Name { get; }
    static abstract string Plural { get; }

    static abstract DbSet<TEntity> Set(RegistryDb db);
    static abstract IOrderedQueryable<TEntity> InOrder(IQueryable<TEntity> children);
    static abstract TEntity Create(TRequest request, Guid caseId, Guid hospitalId, int ordinal);
    static abstract void Apply(TRequest request, TEntity entity);
    static abstract Task<List<TResponse>> ToResponsesAsync(IReadOnlyList<TEntity> children, IServiceProvider services, CancellationToken ct);
}

/// <summary>
/// The five routes every kind of case child has — list and add under /cases/{caseId}/{plural}, get, replace
/// and delete under /{plural}/{id} — written once. The child's hospital_id always comes from its case.
/// </summary>
public static class CaseChildHandlers<TKind, TEntity, TRequest, TResponse>
    where TKind : ICaseChildKind<TEntity, TRequest, TResponse>
    where TEntity : Versioned, ICaseChild
    where TRequest : CaseChildReadOnlyMembers
{
    public static async Task<Results<Ok<List<TResponse>>, ProblemHttpResult>> List(
        [Description("The case's id.")] Guid caseId, RegistryDb db, HttpContext http, CancellationToken ct)
    {
        var children = await TKind.InOrder(TKind.Set(db).AsNoTracking().Where(c => c.CaseId == caseId)).ToListAsync(ct);
        if (children.Count == 0 && !await db.Cases.AnyAsync(c => c.Id == caseId, ct)) return Problems.NotFound("case", caseId);
        return TypedResults.Ok(await TKind.ToResponsesAsync(children, http.RequestServices, ct));
    }

    public static async Task<Results<Created<TResponse>, ProblemHttpResult>> Create(
        [Description("The case's id.")] Guid caseId, TRequest request, RegistryDb db, HttpContext http, CancellationToken ct)
    {
        var hospitalId = await db.Cases.Where(c => c.Id == caseId).Select(c => (Guid?)c.HospitalId).SingleOrDefaultAsync(ct);
        if (hospitalId is null) return Problems.NotFound("case", caseId);
        var siblings = await TKind.Set(db).Where(c => c.CaseId == caseId)
            .GroupBy(c => c.CaseId).Select(g => new { Count = g.Count(), Last = g.Max(c => c.Ordinal) }).SingleOrDefaultAsync(ct);
        // Keeps the unpaged child lists bounded.
        if (siblings?.Count >= RequestLimits.ChildrenPerCase)
            return Problems.Conflict($"The case already has {RequestLimits.ChildrenPerCase} {TKind.Plural}.",
                $"A case holds at most {RequestLimits.ChildrenPerCase} {TKind.Plural}; delete or correct existing ones instead.");

        // After the case's other children of this kind, so it comes after those of its day.
        var child = TKind.Create(request, caseId, hospitalId.Value, siblings is null ? 0 : siblings.Last + 1);
        TKind.Set(db).Add(child);
        await CaseChildSaving.SaveAsync(db, caseId, typeof(TEntity), http.RequestServices, ct);
        return TypedResults.Created($"/api/v1/{TKind.Plural}/{child.Id}", await ToResponseAsync(child, http, ct));
    }

    public static async Task<Results<Ok<TResponse>, ProblemHttpResult>> Get(
        [Description("The record's id.")] Guid id, RegistryDb db, HttpContext http, CancellationToken ct) =>
        await TKind.Set(db).AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct) is { } child
            ? TypedResults.Ok(await ToResponseAsync(child, http, ct))
            : Problems.NotFound(TKind.Name, id);

    public static async Task<Results<Ok<TResponse>, ValidationProblem, ProblemHttpResult>> Replace(
        [Description("The record's id.")] Guid id, TRequest request,
        [FromHeader(Name = "If-Match"), Description(Preconditions.IfMatchDescription)] string? ifMatch,
        RegistryDb db, HttpContext http, CancellationToken ct)
    {
        var (child, refused) = await TKind.Set(db).FindForWriteAsync(id, TKind.Name, ifMatch, ct, request.Version);
        if (child is null) return refused!;
        if (request.CaseId is { } caseId && caseId != child.CaseId)
            return Problems.Invalid("caseId", $"Is '{caseId}' but this {TKind.Name} belongs to case '{child.CaseId}', and stays with it. It is read-only: leave it out, or send the value you read.");

        TKind.Apply(request, child);
        await CaseChildSaving.SaveAsync(db, child.CaseId, typeof(TEntity), http.RequestServices, ct);
        return TypedResults.Ok(await ToResponseAsync(child, http, ct));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        [Description("The record's id.")] Guid id,
        [FromHeader(Name = "If-Match"), Description(Preconditions.IfMatchDescription)] string? ifMatch,
        RegistryDb db, HttpContext http, CancellationToken ct)
    {
        var (child, refused) = await TKind.Set(db).FindForWriteAsync(id, TKind.Name, ifMatch, ct);
        if (child is null) return refused!;
        TKind.Set(db).Remove(child);
        await CaseChildSaving.SaveAsync(db, child.CaseId, typeof(TEntity), http.RequestServices, ct);
        return TypedResults.NoContent();
    }

    private static async Task<TResponse> ToResponseAsync(TEntity child, HttpContext http, CancellationToken ct) =>
        (await TKind.ToResponsesAsync([child], http.RequestServices, ct))[0];
}
