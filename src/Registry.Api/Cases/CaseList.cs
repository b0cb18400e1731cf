using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;
using System.Data;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Dapper;
using FluentValidation;
using Npgsql;
using Registry.Api.Common;
using Registry.Api.Patients;

using Registry.Api.Security;
using Registry.Api.Data;

namespace Registry.Api.Cases;

/// <summary>GET /cases: the filters plus sort order, page size and the cursor of the page to read.</summary>
public sealed class CaseListQuery : CaseFilters
{
    [Description("Order: -createdAt (default, newest first), createdAt, presentationDate, -presentationDate, age, -age. Ties are broken by id.")]
    [FromQuery(Name = "sort")]
    public string? Sort { get; init; }

    [Description("Page size, 1 to 200 (default 50).")]
    [FromQuery(Name = "limit")]
    public int? Limit { get; init; }

    [Description("The nextCursor of the previous page. Pages stay stable while cases are added: nothing is skipped or repeated.")]
    [FromQuery(Name = "cursor")]
    public string? Cursor { get; init; }
}

public sealed class CaseListQueryValidator : AbstractValidator<CaseListQuery>
{
    public CaseListQueryValidator(IValidator<CaseFilters> filters)
    {
        Include(filters);
        RuleFor(q => q.Sort).Must(s => s is null || CaseSort.TryParse(s, out _))
            .WithMessage($"Use one of: {string.Join(", ", CaseSort.Names)}.");
        RuleFor(q => q.Limit).InclusiveBetween(1, RequestLimits.MaxPageSize).WithMessage($"1 to {RequestLimits.MaxPageSize}.");
        RuleFor(q => q.Cursor).Must((q, cursor) => cursor is null || Cursor.TryDecode(cursor, q.Sort ?? CaseSort.Default, out _))
            .WithMessage("Not a cursor this query issued; pass nextCursor back unchanged, with the same sort.");
    }
}

/// <summary>A sort order: the key column, its direction, and how its key travels in a cursor.</summary>
public sealed record CaseSort(string Name, string Column, bool Descending, CaseSort.KeyKind Kind)
{
    public enum KeyKind { Instant, Date, Number }

    public const string Default = "-createdAt";

    private static readonly CaseSort[] All =
    [
        new("createdAt", "c.created_at", false, KeyKind.Instant),
        new("-createdAt", "c.created_at", true, KeyKind.Instant),
        new("presentationDate", "c.presentation_date_start", false, KeyKind.Date),
        new("-presentationDate", "c.presentation_date_start", true, KeyKind.Date),
        new("age", "c.age_at_presentation", false, KeyKind.Number),
        new("-age", "c.age_at_presentation", true, KeyKind.Number),
    ];

    public static IEnumerable<string> Names => All.Select(s => s.Name);

    public static bool TryParse(string name, out CaseSort sort)
    {
        sort = All.FirstOrDefault(s => s.Name == name)!;
        return sort is not null;
    }

    /// <summary>Writes the key value read from the database (timestamptz as DateTime, date as DateOnly).</summary>
    public string FormatKey(object key) => Kind switch
    {
        KeyKind.Instant => DateTime.SpecifyKind((DateTime)key, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture),
        KeyKind.Date => key is DateOnly date
            ? date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : ((DateTime)key).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => Convert.ToString(key, CultureInfo.InvariantCulture)!,
    };

    /// <summary>Reads a cursor's key back as a parameter value of the column's type; throws FormatException when malformed.</summary>
    public (object Value, DbType Type) ParseKey(string key) => Kind switch
    {
        KeyKind.Instant => (DateTime.Parse(key, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), DbType.DateTime),
        KeyKind.Date => (DateTime.ParseExact(key, "yyyy-MM-dd", CultureInfo.InvariantCulture), DbType.Date),
        _ => (int.Parse(key, NumberStyles.Integer, CultureInfo.InvariantCulture), DbType.Int32),
    };
}

/// <summary>An opaque keyset cursor: the sort it belongs to, and the key and id of the last row served.</summary>
public sealed record Cursor(string Sort, string Key, Guid Id)
{
    public string Encode() => Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(this))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool TryDecode(string text, string sort, out Cursor cursor)
    {
        cursor = null!;
        try
        {
            var base64 = text.Replace('-', '+').Replace('_', '/');
            base64 += new string('=', (4 - base64.Length % 4) % 4);
            var decoded = JsonSerializer.Deserialize<Cursor>(Convert.FromBase64String(base64));
            if (decoded is null || decoded.Sort != sort || !CaseSort.TryParse(sort, out var order)) return false;
            order.ParseKey(decoded.Key);
            cursor = decoded;
            return true;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or ArgumentException or OverflowException)
        {
            return false;
        }
    }
}

/// <summary>Reads one page of case summaries with hand-written SQL: filters, keyset order, drugs and final outcome.</summary>
public static class CaseListQueries
{
    private sealed class Row
    {
        public Guid Id { get; init; }
        public Guid PatientId { get; init; }
        public Guid HospitalId { get; init; }
        public string? SourceCaseId { get; init; }
        public string Sex { get; init; } = "";
        public int AgeAtPresentation { get; init; }
        public string PresentationDate { get; init; } = "";
        public string AffectedSide { get; init; } = "";
        public string Etiology { get; init; } = "";
        public string[] Drugs { get; init; } = [];
        public string? FinalOutcomeStatus { get; init; }
        public int? FinalOutcomeDay { get; init; }
        public int? FirstImprovementDay { get; init; }
        public int Version { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime UpdatedAt { get; init; }
        public object SortKey { get; init; } = "";
    }

    public static async Task<CasePage> ReadPageAsync(CallerDataSource dataSource, CaseListQuery query, Data.Caller caller, CancellationToken ct)
    {
        CaseSort.TryParse(query.Sort ?? CaseSort.Default, out var sort);
        var limit = query.Limit ?? RequestLimits.DefaultPageSize;
        var (where, parameters) = query.ToSql();
        var sql = new StringBuilder($"""
            SELECT c.id, c.patient_id, c.hospital_id, c.source_case_id, c.patient_sex AS sex, c.age_at_presentation,
                   c.presentation_date, c.affected_side, c.etiology, c.drugs,
                   c.final_outcome_status, c.final_outcome_day, c.first_improvement_day,
                   c.version, c.created_at, c.updated_at, {sort.Column} AS sort_key
            FROM cases c
            WHERE {where}
            """);
        if (query.Cursor is not null && Cursor.TryDecode(query.Cursor, sort.Name, out var after))
        {
            sql.Append($" AND ({sort.Column}, c.id) {(sort.Descending ? "<" : ">")} (@afterKey, @afterId)");
            var (key, type) = sort.ParseKey(after.Key);
            parameters.Add("afterKey", key, type);
            parameters.Add("afterId", after.Id);
        }
        var direction = sort.Descending ? "DESC" : "ASC";
        sql.Append($" ORDER BY {sort.Column} {direction}, c.id {direction} LIMIT @take");
        parameters.Add("take", limit + 1);

        await using var connection = await dataSource.OpenConnectionAsync(ct, planEachCall: true);
        var rows = (await connection.QueryAsync<Row>(new CommandDefinition(sql.ToString(), parameters, cancellationToken: ct))).ToList();

        var page = rows.Take(limit).ToList();
        var next = rows.Count > limit
            ? new Cursor(sort.Name, sort.FormatKey(page[^1].SortKey), page[^1].Id).Encode()
            : null;
        return new CasePage(page.Select(ToSummary).Select(c => c with { SourceCaseId = caller.VisibleSourceCaseId(c.SourceCaseId) }).ToList(), next, limit);
    }

    private static CaseSummary ToSummary(Row r) => new(
        r.Id, r.PatientId, r.HospitalId, r.SourceCaseId, KebabEnum.Parse<Sex>(r.Sex), r.AgeAtPresentation,
        r.PresentationDate, KebabEnum.Parse<AffectedSide>(r.AffectedSide), KebabEnum.Parse<Etiology>(r.Etiology),
        r.Drugs.ToList(), CaseMapping.ToFinalOutcome(r.FinalOutcomeStatus, r.FinalOutcomeDay, r.FirstImprovementDay),
        r.Version, new DateTimeOffset(r.CreatedAt, TimeSpan.Zero), new DateTimeOffset(r.UpdatedAt, TimeSpan.Zero));
}
