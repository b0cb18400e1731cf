using System.Globalization;
using System.Text.RegularExpressions;

namespace Registry.Api.Common;

/// <summary>
/// A FHIR-style partial date: "2019", "2019-04" or "2019-04-15". The precision is kept as given;
/// a day is never invented. <see cref="Start"/> and <see cref="End"/> bound the period it names.
/// </summary>
public readonly partial record struct PartialDate(int Year, int? Month, int? Day)
{
    public DateOnly Start => new(Year, Month ?? 1, Day ?? 1);

    public DateOnly End => Day is not null ? Start
        : Month is not null ? Start.AddMonths(1).AddDays(-1)
        : new DateOnly(Year, 12, 31);

    public override string ToString() => Day is not null ? $"{Year:D4}-{Month:D2}-{Day:D2}"
        : Month is not null ? $"{Year:D4}-{Month:D2}"
        : $"{Year:D4}";

    public static bool TryParse(string? text, out PartialDate date)
    {
        date = default;
        if (text is null) return false;
        var match = Shape().Match(text);
        if (!match.Success) return false;

        var year = int.Parse(match.Groups["y"].Value, CultureInfo.InvariantCulture);
        int? month = match.Groups["m"].Success ? int.Parse(match.Groups["m"].Value, CultureInfo.InvariantCulture) : null;
        int? day = match.Groups["d"].Success ? int.Parse(match.Groups["d"].Value, CultureInfo.InvariantCulture) : null;

        if (year < 1900 || month is < 1 or > 12) return false;
        if (day is not null && day > DateTime.DaysInMonth(year, month!.Value)) return false;
        if (day is < 1) return false;

        date = new PartialDate(year, month, day);
        return true;
    }

    /// <summary>True when the earliest day the date can name is not after today (UTC).</summary>
    public bool IsNotInFuture(TimeProvider clock) =>
        Start <= DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    public const string Format = "YYYY, YYYY-MM or YYYY-MM-DD";

    [GeneratedRegex(@"^(?<y>\d{4})(-(?<m>\d{2})(-(?<d>\d{2}))?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
