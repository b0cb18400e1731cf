namespace Registry.Tests.Infrastructure;

/// <summary>
/// The API keys issue 4 enables in the Development environment or with Registry:Auth:DevelopmentKeys=true.
/// Until authentication is merged the API ignores them; tests send them anyway so they hold afterwards.
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
