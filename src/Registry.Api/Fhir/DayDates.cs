using System.Globalization;
using Registry.Api.Common;

namespace Registry.Api.Fhir;

/// <summary>
/// Turns the registry's day offsets (days after admission) into FHIR dates at the precision that is actually
/// known, and never finer: admission "2019-04" plus day 2 is "2019-04" only if every day of April plus two stays
/// in April — it does not, so it is "2019"; admission "2019-04-15" plus 2 is "2019-04-17".
/// </summary>
public static class DayDates
{
    public static string? At(string? admission, int? day)
    {
        if (day is null || !PartialDate.TryParse(admission, out var date)) return null;
        var first = date.Start.AddDays(day.Value);
        var last = date.End.AddDays(day.Value);
        if (date.Day is not null) return Format(first);
        if (date.Month is not null && first.Year == last.Year && first.Month == last.Month)
            return first.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        return first.Year == last.Year ? first.Year.ToString("D4", CultureInfo.InvariantCulture) : null;
    }

    /// <summary>The date some whole months before a partial date, at the precision known.</summary>
    public static string? MonthsBefore(string? date, int? months)
    {
        if (months is null || !PartialDate.TryParse(date, out var d)) return null;
        if (d.Month is null) return months % 12 == 0 ? (d.Year - months.Value / 12).ToString("D4", CultureInfo.InvariantCulture) : null;
        var shifted = d.Start.AddMonths(-months.Value);
        if (d.Day is null) return shifted.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        return shifted.Day == d.Day ? Format(shifted) : null; // 31 March minus one month has no exact answer
    }

    /// <summary>The symptom onset, when the presentation date is known to the day.</summary>
    public static string? DaysBefore(string? date, int? days) =>
        days is not null && PartialDate.TryParse(date, out var d) && d.Day is not null ? Format(d.Start.AddDays(-days.Value)) : null;

    /// <summary>The day offset of a full date from a full admission date; null when either is not day-precise.</summary>
    public static int? DayOf(string? admission, string? dateTime)
    {
        if (dateTime is null || dateTime.Length < 10 || !PartialDate.TryParse(admission, out var a) || a.Day is null) return null;
        return PartialDate.TryParse(dateTime[..10], out var d) && d.Day is not null ? d.Start.DayNumber - a.Start.DayNumber : null;
    }

    private static string Format(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
