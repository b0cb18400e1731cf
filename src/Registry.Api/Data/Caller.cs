using System.Security.Claims;
using Registry.Api.Common;

namespace Registry.Api.Data;

/// <summary>
/// Who is calling: the key, its role and (for hospital keys) its hospital. Hospital keys see and write only
/// their hospital's patients and cases; analysts read without identifiers; admins do everything.
/// </summary>
public sealed record Caller(Guid? KeyId, Role Role, Guid? HospitalId)
{
    public const string KeyIdClaim = "hfs:key";
    public const string HospitalClaim = "hfs:hospital";

    /// <summary>Work the service does for itself (migrations, seeds): unrestricted.</summary>
    public static readonly Caller System = new(null, Role.Admin, null);

    public bool IsAnalyst => Role == Role.Analyst;

    /// <summary>The role an audit row records: "system" for the service's own work, else the key's role.</summary>
    public string AuditRole => KeyId is null ? "system" : Role.ToCode();

    /// <summary>The hospital every read and write is confined to, or null for no confinement.</summary>
    public Guid? TenantHospitalId => Role == Role.Hospital ? HospitalId : null;

    /// <summary>The caller of the request being served (the System caller outside a request): what the scoped Caller is, and what singletons such as the validators read.</summary>
    public static Caller Current(IHttpContextAccessor http) => From(http.HttpContext?.User);

    public static Caller From(ClaimsPrincipal? user)
    {
        if (user?.Identity?.IsAuthenticated != true) return System;
        var role = KebabEnum.Parse<Role>(user.FindFirstValue(ClaimTypes.Role)!);
        Guid? hospital = Guid.TryParse(user.FindFirstValue(HospitalClaim), out var h) ? h : null;
        return new Caller(Guid.Parse(user.FindFirstValue(KeyIdClaim)!), role, hospital);
    }

    public IEnumerable<Claim> ToClaims()
    {
        yield return new Claim(KeyIdClaim, KeyId!.Value.ToString());
        yield return new Claim(ClaimTypes.Role, Role.ToCode());
        if (HospitalId is { } hospital) yield return new Claim(HospitalClaim, hospital.ToString());
    }
}
