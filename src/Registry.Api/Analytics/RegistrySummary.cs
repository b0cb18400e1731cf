using Dapper;
using Npgsql;
using Registry.Api.Cases;

using Registry.Api.Security;
using Registry.Api.Data;

namespace Registry.Api.Analytics;

/// <param name="Value">The value counted (a sex, side or etiology code; an age band such as 40-49 or 80+).</param>
/// <param name="Cases">Cases with that value.</param>
public sealed record ValueCount(string Value, int? Cases);

/// <param name="HospitalId">The hospital.</param>
/// <param name="Name">Its name.</param>
/// <param name="Cases">Its cases matching the filters.</param>
public sealed record HospitalCount(Guid HospitalId, string Name, int? Cases);

/// <param name="Year">Year of presentation.</param>
/// <param name="Cases">Cases presenting that year.</param>
public sealed record YearCount(int Year, int? Cases);

/// <summary>Who is in the registry: the cases matching the filters, counted several ways. Each list sums to totalCases; values with no case are left out.</summary>
/// <param name="TotalCases">Cases matching the filters.</param>
/// <param name="BySex">By the patient's sex (male, female, other, unknown), most cases first.</param>
/// <param name="ByAgeBand">By age at presentation in bands 0-17, 18-29, 30-39, ..., 70-79, 80+, youngest first.</param>
/// <param name="BySide">By affected side (left, right, bilateral), most cases first.</param>
/// <param name="ByEtiology">By etiology, most cases first.</param>
/// <param name="ByHospital">By hospital, most cases first.</param>
/// <param name="ByYear">By year of presentation, earliest first.</param>
/// <param name="MinCellSize">k: counts from 1 to k−1 are suppressed (null) for this key; 1 means nothing is.</param>
public sealed record RegistrySummaryReport(
    int? TotalCases, List<ValueCount> BySex, List<ValueCount> ByAgeBand, List<ValueCount> BySide,
    List<ValueCount> ByEtiology, List<HospitalCount> ByHospital, List<YearCount> ByYear, int MinCellSize = 1);

public static class RegistrySummaryQuery
{
    private sealed class Row
    {
        public string Dimension { get; init; } = "";
        public string? Value { get; init; }
        public int Cases { get; init; }
    }

    // Age bands as the lower bound of each band; 0 = 0-17, 18 = 18-29, then decades up to 80+.
    internal const string AgeBand = """
        CASE WHEN c.age_at_presentation < 18 THEN 0 WHEN c.age_at_presentation < 30 THEN 18
             WHEN c.age_at_presentation >= 80 THEN 80 ELSE c.age_at_presentation / 10 * 10 END
        """;

    public static async Task<RegistrySummaryReport> RunAsync(
        CallerDataSource dataSource, CaseFilters filters, Data.Caller caller, SmallCells cells, CancellationToken ct)
    {
        var (where, parameters) = filters.ToSql();
        // One pass over the filtered cases; GROUPING SETS yields every breakdown and the total.
        var sql = $"""
            WITH counted AS (
                SELECT c.patient_sex AS sex, {AgeBand} AS age_band, c.affected_side, c.etiology, c.hospital_id,
                       extract(year FROM c.presentation_date_start)::int AS year,
                       grouping(c.patient_sex) AS g_sex, grouping({AgeBand}) AS g_age, grouping(c.affected_side) AS g_side,
                       grouping(c.etiology) AS g_etiology, grouping(c.hospital_id) AS g_hospital,
                       grouping(extract(year FROM c.presentation_date_start)::int) AS g_year,
                       count(*)::int AS cases
                FROM cases c
                WHERE {where}
                GROUP BY GROUPING SETS ((c.patient_sex), ({AgeBand}), (c.affected_side), (c.etiology), (c.hospital_id),
                                        (extract(year FROM c.presentation_date_start)::int), ())
            )
            SELECT CASE WHEN g_sex = 0 THEN 'sex' WHEN g_age = 0 THEN 'age' WHEN g_side = 0 THEN 'side'
                        WHEN g_etiology = 0 THEN 'etiology' WHEN g_hospital = 0 THEN 'hospital' WHEN g_year = 0 THEN 'year'
                        ELSE 'total' END AS dimension,
                   coalesce(sex, age_band::text, affected_side, etiology, hospital_id::text, year::text) AS value,
                   cases
            FROM counted;
            """;
        await using var connection = await dataSource.OpenConnectionAsync(ct, planEachCall: true);
        var rows = (await connection.QueryAsync<Row>(new CommandDefinition(sql, parameters, cancellationToken: ct))).ToList();
        var hospitalIds = rows.Where(r => r.Dimension == "hospital").Select(r => Guid.Parse(r.Value!)).ToArray();
        var names = (await connection.QueryAsync<(Guid Id, string Name)>(new CommandDefinition(
                "SELECT id, name FROM hospitals WHERE id = ANY(@hospitalIds)", new { hospitalIds }, cancellationToken: ct)))
            .ToDictionary(h => h.Id, h => h.Name);

        List<ValueCount> Values(string dimension) => rows.Where(r => r.Dimension == dimension)
            .OrderByDescending(r => r.Cases).ThenBy(r => r.Value, StringComparer.Ordinal)
            .Select(r => new ValueCount(r.Value!, cells.Count(r.Cases))).ToList();

        return new RegistrySummaryReport(
            cells.Count(rows.Where(r => r.Dimension == "total").Select(r => r.Cases).FirstOrDefault()),
            Values("sex"),
            rows.Where(r => r.Dimension == "age").OrderBy(r => int.Parse(r.Value!))
                .Select(r => new ValueCount(BandName(int.Parse(r.Value!)), cells.Count(r.Cases))).ToList(),
            Values("side"),
            Values("etiology"),
            rows.Where(r => r.Dimension == "hospital")
                .Select(r => new HospitalCount(Guid.Parse(r.Value!), names.GetValueOrDefault(Guid.Parse(r.Value!), ""), cells.Count(r.Cases)))
                .OrderByDescending(h => h.Cases).ThenBy(h => h.Name, StringComparer.Ordinal).ThenBy(h => h.HospitalId).ToList(),
            rows.Where(r => r.Dimension == "year").Select(r => new YearCount(int.Parse(r.Value!), cells.Count(r.Cases))).OrderBy(y => y.Year).ToList(),
            cells.MinCellSize);
    }

    internal static string BandName(int low) => low switch
    {
        0 => "0-17",
        18 => "18-29",
        80 => "80+",
        _ => $"{low}-{low + 9}",
    };
}
