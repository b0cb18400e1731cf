using System.Security.Cryptography;
using System.Text;

namespace Registry.Api.Security;

/// <summary>
/// Keys read <c>hfs_{prefix}_{secret}</c>. The prefix finds the stored key; the secret's SHA-256 hash is
/// compared in constant time. Secrets are 256 random bits, so a fast hash is enough (no password stretching).
/// </summary>
public static class ApiKeySecrets
{
    public static (string Key, string Prefix, byte[] Hash) Generate()
    {
        var prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        return ($"hfs_{prefix}_{secret}", prefix, Hash(secret));
    }

    public static bool TryParse(string? key, out string prefix, out string secret)
    {
        prefix = secret = "";
        var parts = key?.Split('_', 3);
        if (parts is not ["hfs", var p, var s] || p.Length is < 6 or > 32 || s.Length is < 16 or > 128) return false;
        (prefix, secret) = (p, s);
        return true;
    }

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    public static bool Matches(string secret, byte[] storedHash) =>
        CryptographicOperations.FixedTimeEquals(Hash(secret), storedHash);

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '.');
}
