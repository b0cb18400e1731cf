using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Serialization;
using FluentValidation;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Registry.Api.Cases;
using Registry.Api.Common;
using Registry.Api.Data;

namespace Registry.Api.Bulk;

/// <summary>What became of one line of a bulk upload.</summary>
/// <param name="Line">The line's number in the body, from 1 (blank lines are counted but not answered).</param>
/// <param name="Status">created, invalid (the document failed validation or is not JSON), duplicate (the hospital already has this sourceCaseId) or too-long.</param>
/// <param name="Id">The new case's id (created).</param>
/// <param name="Location">Where the new case is (created).</param>
/// <param name="Errors">What is wrong, by JSON path within the line's document, as in a 400 problem (invalid, too-long).</param>
/// <param name="ExistingCaseId">The case already registered with this sourceCaseId (duplicate).</param>
public sealed record BulkLineResult(
    long Line, string Status, Guid? Id = null, string? Location = null, IDictionary<string, string[]>? Errors = null,
    Guid? ExistingCaseId = null);

/// <summary>The last line of every bulk answer.</summary>
/// <param name="Status">Always "summary".</param>
/// <param name="Lines">Non-blank lines read.</param>
/// <param name="Created">Cases stored.</param>
/// <param name="Failed">Lines not stored (invalid, duplicate, too-long).</param>
/// <param name="Complete">False when the upload stopped early (the body exceeded the size limit); lines after the last answered one were not read.</param>
public sealed record BulkSummary(string Status, long Lines, long Created, long Failed, bool Complete);

/// <summary>
/// POST /cases/bulk: NDJSON in, NDJSON out. Reads the body with a PipeReader one line at a time (a line is one
/// whole case document, at most <see cref="MaxLineBytes"/>), validates it with the same validator as POST /cases,
/// stores it with <see cref="CaseWriter"/> in its own transaction, and writes that line's result at once. Neither
/// the body nor the answer is ever held whole, so memory stays flat for a body of any size up to the limit.
/// </summary>
public static class BulkIngest
{
    /// <summary>The body limit of this endpoint alone (Kestrel's global limit stays at 1 MiB).</summary>
    public const long MaxBodyBytes = 1L << 30; // 1 GiB

    /// <summary>One line: the same cap as a POST /cases body.</summary>
    public const long MaxLineBytes = RequestLimits.MaxBodyBytes;

    private const int FlushEveryLines = 32;

    private static readonly JsonSerializerOptions AnswerJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static async Task RunAsync(HttpContext http, IValidator<CaseDocument> validator, CaseWriter writer, RegistryDb db,
        JsonSerializerOptions documentJson, CancellationToken ct)
    {
        var input = http.Request.BodyReader;
        var output = http.Response.BodyWriter;
        long lines = 0, number = 0, created = 0, failed = 0, pending = 0;
        var complete = true;

        async Task Answer(BulkLineResult result)
        {
            if (result.Status == "created") created++; else failed++;
            WriteLine(output, result, AnswerJson);
            if (++pending % FlushEveryLines == 0) await output.FlushAsync(ct);
        }

        try
        {
            var skipping = false; // inside a line already answered as too long
            while (true)
            {
                var read = await input.ReadAsync(ct);
                var buffer = read.Buffer;
                while (buffer.PositionOf((byte)'\n') is { } newline)
                {
                    var line = buffer.Slice(0, newline);
                    buffer = buffer.Slice(buffer.GetPosition(1, newline));
                    if (skipping) { skipping = false; continue; }
                    number++;
                    if (line.Length > MaxLineBytes) { lines++; await Answer(TooLong(number)); }
                    else if (await HandleAsync(line, number) is { } result) { lines++; await Answer(result); }
                }
                if (!skipping && buffer.Length > MaxLineBytes)
                {
                    number++; lines++;
                    await Answer(TooLong(number));
                    skipping = true;
                }
                if (skipping) buffer = buffer.Slice(buffer.End);
                if (read.IsCompleted)
                {
                    if (!skipping && buffer.Length > 0)
                    {
                        number++;
                        if (await HandleAsync(buffer, number) is { } result) { lines++; await Answer(result); }
                    }
                    break;
                }
                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (BadHttpRequestException tooLarge) when (tooLarge.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            complete = false; // the answer has started: say so in the summary rather than by status code
        }
        await input.CompleteAsync();
        WriteLine(output, new BulkSummary("summary", lines, created, failed, complete), AnswerJson);
        await output.FlushAsync(ct);

        async Task<BulkLineResult?> HandleAsync(ReadOnlySequence<byte> line, long at)
        {
            if (IsBlank(line)) return null;
            var (document, error) = Parse(line, documentJson);
            if (document is null) return new BulkLineResult(at, "invalid", Errors: error);

            var validation = await validator.ValidateAsync(document, ct);
            if (!validation.IsValid)
                return new BulkLineResult(at, "invalid", Errors: validation.Errors
                    .GroupBy(e => string.IsNullOrEmpty(e.PropertyName) ? "$" : e.PropertyName)
                    .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).ToArray()));
            try
            {
                return await writer.CreateAsync(document, null, ct) switch
                {
                    CaseWriteResult.Created c => new BulkLineResult(at, "created", c.Id, $"/api/v1/cases/{c.Id}"),
                    CaseWriteResult.Invalid i => new BulkLineResult(at, "invalid", Errors: i.Errors),
                    CaseWriteResult.Duplicate d => new BulkLineResult(at, "duplicate", Errors: new Dictionary<string, string[]>
                    {
                        ["sourceCaseId"] = [$"This hospital already has a case with sourceCaseId '{d.SourceCaseId}'."],
                    }, ExistingCaseId: d.ExistingId),
                    // A hospital key's lines belong to its hospital (CaseWriter decides, as for POST /cases).
                    CaseWriteResult.Forbidden => new BulkLineResult(at, "forbidden", Errors: new Dictionary<string, string[]>
                    {
                        ["hospitalId"] = ["This key may only write to its own hospital; leave hospitalId out or name that hospital."],
                    }),
                    var other => throw new InvalidOperationException($"Unexpected result {other}"),
                };
            }
            finally
            {
                db.ChangeTracker.Clear(); // one context serves the whole upload: forget each stored case
            }
        }
    }

    private static BulkLineResult TooLong(long line) => new(line, "too-long", Errors: new Dictionary<string, string[]>
    {
        ["$"] = [$"A line (one case document) may hold at most {MaxLineBytes} bytes."],
    });

    private static (CaseDocument? Document, Dictionary<string, string[]>? Errors) Parse(ReadOnlySequence<byte> line, JsonSerializerOptions json)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            var document = JsonSerializer.Deserialize<CaseDocument>(ref reader, json);
            return document is null
                ? (null, new() { ["$"] = ["A line must be a JSON object: one whole case document."] })
                : (document, null);
        }
        catch (JsonException ex)
        {
            return (null, new() { [ProblemExceptionHandler.JsonPath(ex.Path)] = [ProblemExceptionHandler.JsonMessage(ex)] });
        }
    }

    private static bool IsBlank(ReadOnlySequence<byte> line)
    {
        foreach (var segment in line)
            if (segment.Span.IndexOfAnyExcept((byte)' ', (byte)'\t', (byte)'\r') >= 0) return false;
        return true;
    }

    private static void WriteLine<T>(PipeWriter output, T value, JsonSerializerOptions json)
    {
        using (var writer = new Utf8JsonWriter(output)) JsonSerializer.Serialize(writer, value, json);
        output.Write("\n"u8);
    }
}

public static class BulkIngestEndpoints
{
    public static RouteGroupBuilder MapBulkIngest(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/cases").WithTags("Bulk ingest");

        group.MapPost("/bulk", Ingest).WithName("BulkCreateCases")
            .WithSummary("Submit many whole cases as NDJSON")
            .WithDescription($$$"""
                The body is NDJSON (`Content-Type: application/x-ndjson`): one whole case document per line, exactly
                as `POST /cases` takes it. Each line is validated and stored on its own (its own transaction), so one
                bad line never blocks the others. The answer is NDJSON too, streamed while the body is still being
                read: one line per non-blank input line — `{"line":1,"status":"created","id":"…","location":"…"}`,
                `{"line":4,"status":"forbidden",…}` (a hospital key naming another hospital),
                `{"line":2,"status":"invalid","errors":{"medications[0].drug":["…"]}}`,
                `{"line":3,"status":"duplicate","existingCaseId":"…","errors":{…}}` — and a last line
                `{"status":"summary","lines":3,"created":1,"failed":2,"complete":true}`. The status code is 200
                once the upload is accepted. Limits: the body up to {{{BulkIngest.MaxBodyBytes / (1 << 20)}}} MiB (this
                endpoint only; elsewhere 1 MiB), each line up to {{{BulkIngest.MaxLineBytes / (1 << 10)}}} KiB. Memory
                stays flat whatever the body size.
                """)
            .Accepts<CaseDocument>("application/x-ndjson")
            .Produces<BulkLineResult>(StatusCodes.Status200OK, "application/x-ndjson")
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(BulkIngest.MaxBodyBytes))
            .RequireAuthorization(Security.Policies.Write);

        return group;
    }

    private static Results<PushStreamHttpResult, ProblemHttpResult> Ingest(
        HttpContext http, IValidator<CaseDocument> validator, CaseWriter writer, RegistryDb db, IOptions<JsonOptions> json)
    {
        var mediaType = http.Request.ContentType?.Split(';')[0].Trim();
        if (mediaType is not ("application/x-ndjson" or "application/jsonl" or "application/ndjson"))
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type.",
                detail: "Send NDJSON with 'Content-Type: application/x-ndjson': one whole case document per line.");

        return TypedResults.Stream(
            _ => BulkIngest.RunAsync(http, validator, writer, db, json.Value.SerializerOptions, http.RequestAborted),
            "application/x-ndjson; charset=utf-8");
    }
}
