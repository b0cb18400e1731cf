namespace Registry.Tests.Infrastructure;

/// <summary>
/// The documented development API keys, active in the Development environment or with
/// Registry:Auth:DevelopmentKeys=true (RegistryApp turns them on and sends the admin key by default).
/// </summary>
public static class DevelopmentKeys
{
    public const string Setting = "Registry:Auth:DevelopmentKeys";
    public const string Admin = "hfs_devadmin_development-only-admin-key";
    public const string Analyst = "hfs_devanalyst_development-only-analyst-key";
    public const string TiantanHospital = "hfs_devtiantan_development-only-hospital-key";
    public const string HarbinHospital = "hfs_devharbin_development-only-hospital-key";

    /// <summary>Sends <paramref name="key"/> as the Bearer credential on every request of this client.</summary>
    public static HttpClient WithKey(this HttpClient client, string key)
    {
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return client;
    }
}
