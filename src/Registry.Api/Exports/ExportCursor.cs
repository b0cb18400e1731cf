using System.Globalization;

namespace Registry.Api.Exports;

/// <summary>
/// The <c>since</c> of an incremental export: the PostgreSQL snapshot the previous export read from, in pg_snapshot's
/// text form <c>xmin:xmax:xip,…</c> (e.g. <c>4711:4720:4713,4715</c>), or <c>0</c> for the beginning. Clients pass it
/// back verbatim; it is checked here as PostgreSQL's own input function checks it, so a malformed one is a 400 and
/// never reaches the database.
/// </summary>
public static class ExportCursor
{
    public const string Parameter = "since";
    public const string Origin = "0";

    /// <summary>The response header every case export carries its next cursor in (known at the start: see ChangeFeed).</summary>
    public const string Header = "Export-Next-Since";

    public const string Description =
        "Incremental export: the cursor a previous export ended with (its `Export-Next-Since` header or NDJSON trailer line), " +
        "or `0` for everything. Gives the cases created or changed since, and a tombstone for each case deleted since.";

    public const string Invalid =
        "Pass back the cursor a previous export ended with (header Export-Next-Since or the trailer's nextSince), or 0 to start.";

    private const int MaxLength = 65_536;

    public static bool IsValid(string? since) => since is null || since == Origin || IsSnapshot(since);

    /// <summary>xmin ≥ 1, xmin ≤ xmax, each in-progress id in [xmin, xmax) and in ascending order (pg_snapshot_in's rules).</summary>
    private static bool IsSnapshot(string text)
    {
        if (text.Length > MaxLength) return false;
        var parts = text.Split(':');
        if (parts.Length != 3 || !Id(parts[0], out var xmin) || !Id(parts[1], out var xmax) || xmin == 0 || xmin > xmax) return false;
        if (parts[2].Length == 0) return true;
        var last = xmin;
        foreach (var item in parts[2].Split(','))
        {
            if (!Id(item, out var xip) || xip < last || xip >= xmax) return false;
            last = xip;
        }
        return true;
    }

    private static bool Id(string digits, out ulong value)
    {
        value = 0;
        return digits.Length is > 0 and <= 20 && digits.All(char.IsAsciiDigit)
            && ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
