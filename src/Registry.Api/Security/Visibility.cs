using Microsoft.AspNetCore.Http.HttpResults;
using Registry.Api.Data;

namespace Registry.Api.Security;

/// <summary>
/// What the caller may see and name that row-level security cannot express (which rows a caller sees is the
/// database's business: migration 0030). Every read path redacts through here, and every write path that takes a
/// hospital asks here.
/// </summary>
public static class Visibility
{
    /// <summary>Analysts read cases without the hospital's own identifiers: the source case id is left out.</summary>
    public static string? VisibleSourceCaseId(this Caller caller, string? stored) => caller.IsAnalyst ? null : stored;

    /// <summary>Analysts read cases without the hospital's own identifiers: the pseudonym is blanked.</summary>
    public static string VisiblePseudonym(this Caller caller, string stored) => caller.IsAnalyst ? "" : stored;

    /// <summary>Whether the caller's key names its hospital, so a request need not (and may name no other).</summary>
    public static bool ImpliesHospital(this Caller caller) => caller.TenantHospitalId is not null;

    /// <summary>
    /// The hospital a write belongs to. For a hospital key it is the key's hospital — the body may leave it out,
    /// and naming another hospital is a 403; for an admin it is what the body names.
    /// </summary>
    public static (Guid? Hospital, ProblemHttpResult? Forbidden) HospitalForWrite(this Caller caller, Guid? requested)
    {
        if (caller.TenantHospitalId is not { } own) return (requested, null);
        if (requested is null || requested == own) return (own, null);
        return (null, TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "This key may only write to its own hospital.",
            detail: $"The key is bound to hospital '{own}'; leave hospitalId out or set it to that hospital."));
    }
}
