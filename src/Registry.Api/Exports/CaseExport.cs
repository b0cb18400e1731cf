using System.ComponentModel;
using System.Buffers;
using System.Data;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Dapper;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Registry.Api.Cases;
using Registry.Api.Common;

using Registry.Api.Security;
using Registry.Api.Data;

namespace Registry.Api.Exports;

/// <summary>GET /cases/export: the GET /cases filters and the file format.</summary>
public sealed class CaseExportQuery : CaseFilters
{
    [Description("csv (default: a header row, then one row per case) or ndjson (one JSON object per line).")]
    [FromQuery(Name = "format")]
    public string? Format { get; init; }

    [Description(ExportCursor.Description)]
    [FromQuery(Name = ExportCursor.Parameter)]
    public string? Since { get; init; }
}

public sealed class CaseExportQueryValidator : AbstractValidator<CaseExportQuery>
{
    public CaseExportQueryValidator(IValidator<CaseFilters> filters)
    {
        Include(filters);
        RuleFor(q => q.Format).Must(f => f is null or "csv" or "ndjson").WithMessage("Use csv or ndjson.");
        RuleFor(q => q.Since).Must(ExportCursor.IsValid).WithMessage(ExportCursor.Invalid);
    }
}

/// <summary>One exported case: its own fields, its patient's sex and birth year, its drugs and its final outcome.</summary>
/// <param name="Id">The case.</param>
/// <param name="HospitalId">Its hospital.</param>
/// <param name="PatientId">Its patient.</param>
/// <param name="SourceCaseId">The hospital's own case identifier.</param>
/// <param name="Sex">The patient's sex.</param>
/// <param name="BirthYear">The patient's year of birth, if known.</param>
/// <param name="AgeAtPresentation">Age in years at presentation.</param>
/// <param name="PresentationDate">Partial date of presentation.</param>
/// <param name="AffectedSide">left, right or bilateral.</param>
/// <param name="Etiology">The diagnosed etiology.</param>
/// <param name="SymptomDurationDays">Symptom duration at presentation.</param>
/// <param name="FollowUpDays">Days of follow-up.</param>
/// <param name="Drugs">Distinct drug codes given, sorted (in CSV joined with ';').</param>
/// <param name="FinalOutcomeStatus">Status of the latest assessment by day; null when never assessed.</param>
/// <param name="FinalOutcomeDay">Its day.</param>
/// <param name="FirstImprovementDay">First day assessed improved or better.</param>
/// <param name="CreatedAt">When the case was registered.</param>
public sealed record ExportedCase(
    Guid Id, Guid HospitalId, Guid PatientId, string? SourceCaseId, string Sex, int? BirthYear, int AgeAtPresentation,
    string PresentationDate, string AffectedSide, string Etiology, int? SymptomDurationDays, int? FollowUpDays,
    List<string> Drugs, string? FinalOutcomeStatus, int? FinalOutcomeDay, int? FirstImprovementDay, DateTimeOffset CreatedAt);

/// <summary>
/// Streams the filtered cases row by row from one PostgreSQL cursor-less reader straight to the response body:
/// nothing is buffered beyond a flush window, so memory stays flat however many rows match.
/// </summary>
public static class CaseExport
{
    public const string CsvHeader =
        "id,hospitalId,patientId,sourceCaseId,sex,birthYear,ageAtPresentation,presentationDate,affectedSide,etiology," +
        "symptomDurationDays,followUpDays,drugs,finalOutcomeStatus,finalOutcomeDay,firstImprovementDay,createdAt";

    /// <summary>An incremental CSV export's extra last column: empty for a case, the deletion's time for a tombstone.</summary>
    public const string CsvDeletedAtColumn = "deletedAt";

    private const int FlushEveryRows = 512;

    /// <remarks>
    /// A hospital key exports only its own cases; analysts get no sourceCaseId; every exported case is audited as read.
    /// The rows are the feed's: every matching case, or with a cursor the matching cases changed since it, then a
    /// tombstone per case deleted since it (whatever the filters: a deleted case has no fields left to filter on),
    /// then in NDJSON the trailer <c>{"nextSince":"…"}</c>.
    /// </remarks>
    public static async Task WriteAsync(
        ChangeFeed feed, CaseExportQuery query, Data.Caller caller, Audit.CaseReads audit, PipeWriter output, CancellationToken ct)
    {
        var (where, parameters) = query.ToSql();
        var sql = $"""
            SELECT c.id, c.hospital_id, c.patient_id, c.source_case_id, p.sex, p.birth_year, c.age_at_presentation,
                   c.presentation_date, c.affected_side, c.etiology, c.symptom_duration_days, c.follow_up_days, c.drugs,
                   c.final_outcome_status, c.final_outcome_day, c.first_improvement_day, c.created_at, c.version
            FROM {feed.Cases} JOIN patients p ON p.id = c.patient_id
            WHERE {where}
            ORDER BY c.created_at, c.id
            """;
        var csv = query.Format is null or "csv";
        await using var reader = await feed.ReadAsync(sql, parameters, ct);
        if (csv) Write(output, (feed.Incremental ? CsvHeader + "," + CsvDeletedAtColumn : CsvHeader) + "\n");
        await using var json = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
        var rows = 0;
        while (await reader.ReadAsync(ct))
        {
            var row = Read(reader);
            await audit.AddAsync(row.Id, reader.GetInt32(17), ct);
            row = row with { SourceCaseId = caller.VisibleSourceCaseId(row.SourceCaseId) };
            if (csv) WriteCsv(output, row, feed.Incremental);
            else WriteLine(json, output, w => WriteJson(w, row));
            if (++rows % FlushEveryRows == 0) await output.FlushAsync(ct);
        }
        await audit.FlushAsync(ct);
        await reader.DisposeAsync();
        foreach (var tombstone in await feed.TombstonesAsync(ct))
        {
            if (csv) Write(output, $"{tombstone.Id},{tombstone.HospitalId}{new string(',', CsvColumns - 2)}{Timestamp(tombstone.DeletedAt)}\n");
            else WriteLine(json, output, w => WriteTombstone(w, tombstone));
        }
        if (!csv && feed.Incremental) WriteLine(json, output, w => WriteTrailer(w, feed.Next));
        await output.FlushAsync(ct);
    }

    private static readonly int CsvColumns = CsvHeader.Split(',').Length;

    private static void WriteLine(Utf8JsonWriter json, PipeWriter output, Action<Utf8JsonWriter> write)
    {
        json.Reset(output);
        write(json);
        json.Flush();
        Write(output, "\n");
    }

    /// <summary>A deleted case in NDJSON: <c>{"id":…,"hospitalId":…,"deleted":true,"deletedAt":…}</c>.</summary>
    private static void WriteTombstone(Utf8JsonWriter w, Tombstone tombstone)
    {
        w.WriteStartObject();
        w.WriteString("id", tombstone.Id);
        w.WriteString("hospitalId", tombstone.HospitalId);
        w.WriteBoolean("deleted", true);
        w.WriteString("deletedAt", tombstone.DeletedAt);
        w.WriteEndObject();
    }

    /// <summary>An incremental NDJSON export's last line, <c>{"nextSince":"…"}</c>: the cursor to pass as since next time.</summary>
    private static void WriteTrailer(Utf8JsonWriter w, string next)
    {
        w.WriteStartObject();
        w.WriteString("nextSince", next);
        w.WriteEndObject();
    }

    private static string Timestamp(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static ExportedCase Read(IDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), r.GetGuid(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetString(4),
        r.IsDBNull(5) ? null : r.GetInt32(5), r.GetInt32(6), r.GetString(7), r.GetString(8), r.GetString(9),
        r.IsDBNull(10) ? null : r.GetInt32(10), r.IsDBNull(11) ? null : r.GetInt32(11), ((string[])r.GetValue(12)).ToList(),
        r.IsDBNull(13) ? null : r.GetString(13), r.IsDBNull(14) ? null : r.GetInt32(14), r.IsDBNull(15) ? null : r.GetInt32(15),
        new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(16), DateTimeKind.Utc)));

    private static void WriteCsv(PipeWriter output, ExportedCase c, bool deletedAtColumn)
    {
        var line = new StringBuilder(256);
        line.Append(c.Id).Append(',').Append(c.HospitalId).Append(',').Append(c.PatientId).Append(',')
            .Append(Quote(c.SourceCaseId)).Append(',').Append(c.Sex).Append(',').Append(Number(c.BirthYear)).Append(',')
            .Append(c.AgeAtPresentation.ToString(CultureInfo.InvariantCulture)).Append(',').Append(c.PresentationDate).Append(',')
            .Append(c.AffectedSide).Append(',').Append(c.Etiology).Append(',').Append(Number(c.SymptomDurationDays)).Append(',')
            .Append(Number(c.FollowUpDays)).Append(',').Append(string.Join(';', c.Drugs)).Append(',')
            .Append(c.FinalOutcomeStatus).Append(',').Append(Number(c.FinalOutcomeDay)).Append(',')
            .Append(Number(c.FirstImprovementDay)).Append(',')
            .Append(Timestamp(c.CreatedAt)).Append(deletedAtColumn ? ",\n" : "\n");
        Write(output, line.ToString());
    }

    private static void WriteJson(Utf8JsonWriter w, ExportedCase c)
    {
        w.WriteStartObject();
        w.WriteString("id", c.Id);
        w.WriteString("hospitalId", c.HospitalId);
        w.WriteString("patientId", c.PatientId);
        w.WriteString("sourceCaseId", c.SourceCaseId);
        w.WriteString("sex", c.Sex);
        if (c.BirthYear is { } year) w.WriteNumber("birthYear", year); else w.WriteNull("birthYear");
        w.WriteNumber("ageAtPresentation", c.AgeAtPresentation);
        w.WriteString("presentationDate", c.PresentationDate);
        w.WriteString("affectedSide", c.AffectedSide);
        w.WriteString("etiology", c.Etiology);
        if (c.SymptomDurationDays is { } duration) w.WriteNumber("symptomDurationDays", duration); else w.WriteNull("symptomDurationDays");
        if (c.FollowUpDays is { } followUp) w.WriteNumber("followUpDays", followUp); else w.WriteNull("followUpDays");
        w.WriteStartArray("drugs");
        foreach (var drug in c.Drugs) w.WriteStringValue(drug);
        w.WriteEndArray();
        w.WriteString("finalOutcomeStatus", c.FinalOutcomeStatus);
        if (c.FinalOutcomeDay is { } day) w.WriteNumber("finalOutcomeDay", day); else w.WriteNull("finalOutcomeDay");
        if (c.FirstImprovementDay is { } first) w.WriteNumber("firstImprovementDay", first); else w.WriteNull("firstImprovementDay");
        w.WriteString("createdAt", c.CreatedAt);
        w.WriteEndObject();
    }

    /// <summary>RFC 4180: quote a field holding a comma, quote or line break, doubling inner quotes.</summary>
    private static string Quote(string? value) =>
        value is null ? "" : value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : $"\"{value.Replace("\"", "\"\"")}\"";

    private static string Number(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

    private static void Write(PipeWriter output, string text)
    {
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        output.Advance(Encoding.UTF8.GetBytes(text, span));
    }
}

public static class CaseExportEndpoints
{
    public static RouteGroupBuilder MapCaseExport(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/cases").WithTags("Exports");

        group.MapGet("/export", Export).WithName("ExportCases")
            .WithSummary("Export the filtered cases as CSV or NDJSON")
            .WithDescription("""
                Every case matching the filters (the same filters as `GET /cases`), oldest first, one row per case:
                the case's own fields, the patient's sex and birth year, its drugs (CSV: codes joined with `;`) and
                its final outcome. `format=csv` (default) starts with a header row; `format=ndjson` writes one JSON
                object per line. Streamed from the database row by row: memory stays flat however many rows match,
                and the download starts at once; there is no paging. Hospital keys export only their own cases; analysts
                get no sourceCaseId; every exported case is recorded in the audit trail as read.

                **Incremental** (`since`): a warehouse starts with `since=0` (every case) and passes back the cursor
                each answer ends with. The answer holds each case created or changed since the cursor once, in its
                current state (with the same filters; a case changed so that it no longer matches is not sent), then a
                tombstone per case deleted since (whatever the filters): in CSV a row with only `id`, `hospitalId` and
                the extra last column `deletedAt`; in NDJSON `{"id":…,"hospitalId":…,"deleted":true,"deletedAt":…}`.
                NDJSON ends with the trailer line `{"nextSince":"<cursor>"}`. Every export (with or without `since`)
                carries the next cursor in the `Export-Next-Since` header: it is the database snapshot the export reads
                from, taken before the first row. Cursors are the same for CSV, NDJSON and the FHIR `$export-bundles`;
                no change is missed or sent twice across a chain of them, even under concurrent writes (README,
                "Incremental exports"). A malformed cursor is a 400 naming `since`.
                """)
            .WithResponseHeader(StatusCodes.Status200OK, ExportCursor.Header,
                "The cursor to pass as `since` to get what changes after this export (a PostgreSQL snapshot, xmin:xmax:xip-list).")
            .Produces<string>(StatusCodes.Status200OK, "text/csv", "application/x-ndjson")
            .WithResponseExample(StatusCodes.Status200OK, CaseExport.CsvHeader + "\n" +
                "96779884-1e8a-4081-b248-6f698b027e6e,7428361b-bc8b-44d5-a0a5-f5edc53db9a8,0195f1a0-0000-7000-8000-0000000000a1," +
                "TT-2019-0412,male,,47,2019-04,left,post-inflammatory,,61,cobalamin;gabapentin;thiamine,resolved,61,5,2026-11-01T09:00:00.000000Z\n",
                "text/csv")
            .WithResponseExample(StatusCodes.Status200OK, """
                {"id":"96779884-1e8a-4081-b248-6f698b027e6e","hospitalId":"7428361b-bc8b-44d5-a0a5-f5edc53db9a8","patientId":"0195f1a0-0000-7000-8000-0000000000a1","sourceCaseId":"TT-2019-0412","sex":"male","birthYear":null,"ageAtPresentation":47,"presentationDate":"2019-04","affectedSide":"left","etiology":"post-inflammatory","symptomDurationDays":null,"followUpDays":61,"drugs":["cobalamin","gabapentin","thiamine"],"finalOutcomeStatus":"resolved","finalOutcomeDay":61,"firstImprovementDay":5,"createdAt":"2026-11-01T09:00:00.000000Z"}
                {"id":"0195f1a0-0000-7000-8000-0000000000c7","hospitalId":"7428361b-bc8b-44d5-a0a5-f5edc53db9a8","deleted":true,"deletedAt":"2026-12-06T21:14:03.512Z"}
                {"nextSince":"48213:48220:48215,48217"}

                """, "application/x-ndjson");

        return group;
    }

    private static PushStreamHttpResult Export(
        [AsParameters] CaseExportQuery query, CallerDataSource dataSource,
        [FromKeyedServices(Data.RegistryDataSources.Read)] CallerDataSource read, Data.Caller caller, HttpContext http)
    {
        var ndjson = query.Format == "ndjson";
        return TypedResults.Stream(
            async _ =>
            {
                await using var audit = new Audit.CaseReads(dataSource, caller, RequestIds.Of(http));
                // Rows from the read source (a replica), audit rows to the primary. The cursor is the snapshot the rows
                // are read from, so it is known, and sent as a header, before the first row.
                await using var feed = await ChangeFeed.OpenAsync(read, query.Since, http.RequestAborted);
                http.Response.Headers[ExportCursor.Header] = feed.Next;
                await CaseExport.WriteAsync(feed, query, caller, audit, http.Response.BodyWriter, http.RequestAborted);
            },
            ndjson ? "application/x-ndjson; charset=utf-8" : "text/csv; charset=utf-8",
            ndjson ? "cases.ndjson" : "cases.csv");
    }
}
