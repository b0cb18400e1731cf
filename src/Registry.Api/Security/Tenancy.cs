using Microsoft.AspNetCore.Http.HttpResults;

namespace Registry.Api.Security;

public static class Tenancy
{
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
