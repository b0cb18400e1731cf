using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Registry.Api.Data;

namespace Registry.Api.Common;

/// <summary>
/// What the diagnostics, medications and outcomes routes share: finding the case a new child belongs to
/// (its hospital_id travels with every child, for distribution by hospital), the cap on children per case
/// that keeps the unpaged child lists bounded, and the answer to a write that lost a race.
/// </summary>
public static class CaseChildren
{
    /// <summary>The hospital of the case, or null when no case has this id.</summary>
    public static Task<Guid?> HospitalOfCaseAsync(this RegistryDb db, Guid caseId, CancellationToken ct) =>
        db.Cases.Where(c => c.Id == caseId).Select(c => (Guid?)c.HospitalId).SingleOrDefaultAsync(ct);

    public static Task<bool> CaseExistsAsync(this RegistryDb db, Guid caseId, CancellationToken ct) =>
        db.Cases.AnyAsync(c => c.Id == caseId, ct);

    public static ProblemHttpResult TooMany(string children) =>
        Problems.Conflict($"The case already has {RequestLimits.ChildrenPerCase} {children}.",
            $"A case holds at most {RequestLimits.ChildrenPerCase} {children}; delete or correct existing ones instead.");

    public static ProblemHttpResult ChangedMeanwhile(string resource, Guid id) =>
        Problems.Conflict($"The {resource} changed while it was being updated.",
            $"Another request changed or deleted {resource} '{id}' first; read it again and retry.");
}
