using Microsoft.AspNetCore.Authorization;
using Registry.Api.Common;
using Registry.Api.Data;

namespace Registry.Api.Security;

/// <summary>The three things a key can be allowed to do.</summary>
public static class Policies
{
    /// <summary>Any valid key: admin, hospital or analyst.</summary>
    public const string Read = "read";
    /// <summary>Creating and correcting patients and cases: admin or hospital keys.</summary>
    public const string Write = "write";
    /// <summary>Hospitals, vocabulary, keys and the audit trail: admin keys only.</summary>
    public const string Admin = "admin";

    public static void Add(AuthorizationOptions options)
    {
        options.AddPolicy(Read, p => p.RequireAuthenticatedUser());
        options.AddPolicy(Write, p => p.RequireRole(Role.Admin.ToCode(), Role.Hospital.ToCode()));
        options.AddPolicy(Admin, p => p.RequireRole(Role.Admin.ToCode()));
        options.DefaultPolicy = options.GetPolicy(Read)!;
    }
}
