using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Serialization;
using FluentValidation;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Registry.Api.Cases;
using Registry.Api.Common;

namespace Registry.Api.Bulk;

/// <summary>What became of one line of a bulk upload.</summary>
/// <param name="Line">The line's number in the body, from 1 (blank lines are counted but not answered).</param>
/// <param name="Status">created, invalid (the document failed validation or is not JSON), duplicate (the hospital already has this sourceCaseId, stored before or by an earlier line), forbidden (a hospital key naming another hospital) or too-long.</param>
/// <param name="Id">The new case's id (created).</param>
/// <param name="Location">Where the new case is (created).</param>
/// <param name="Errors">What is wrong, by JSON path within the line's document, as in a 400 problem (invalid, duplicate, forbidden, too-long).</param>
/// <param name="ExistingCaseId">The case already registered with this sourceCaseId (duplicate).</param>
public sealed record BulkLineResult(
    long Line, string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? Id = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Location = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IDictionary<string, string[]>? Errors = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? ExistingCaseId = null);

/// <summary>The last line of every bulk answer.</summary>
/// <param name="Status">Always "summary".</param>
/// <param name="Lines">Non-blank lines read.</param>
/// <param name="Created">Cases stored.</param>
/// <param name="Failed">Lines not stored (invalid, duplicate, forbidden, too-long).</param>
/// <param name="Complete">False when the upload stopped early (the body exceeded the size limit); lines after the last answered one were not read.</param>
public sealed record BulkSummary(string Status, long Lines, long Created, long Failed, bool Complete);

/// <summary>
/// POST /cases/bulk: NDJSON in, NDJSON out. Reads the body with a PipeReader one line at a time (a line is one
/// whole case document, at most <see cref="MaxLineBytes"/>) and validates it with the same validator as POST /cases.
/// Valid documents wait in a chunk (at most <see cref="ChunkLines"/> lines or <see cref="ChunkBytes"/> of
/// documents) that <see cref="CaseChunkWriter"/> stores in one transaction when it is full, when the body ends, or when
/// no more of the body has arrived yet; the answers go out in line order as each chunk is written. Neither the body
/// nor the answer is ever held whole, so memory stays flat for a body of any size up to the limit.
/// </summary>
public static class BulkIngest
{
    /// <summary>The body limit of this endpoint alone (Kestrel's global limit stays at 1 MiB).</summary>
    public const long MaxBodyBytes = 1L << 30; // 1 GiB

    /// <summary>One line: the same cap as a POST /cases body.</summary>
    public const long MaxLineBytes = RequestLimits.MaxBodyBytes;

    /// <summary>
    /// Lines waiting for one chunk, at most: the documents stored together in one transaction, and the answers of
    /// other lines queued behind them to keep line order.
    /// </summary>
    public const int ChunkLines = 250;

    /// <summary>Document bytes held for one chunk, at most; large documents make smaller chunks.</summary>
    public const long ChunkBytes = 4L << 20;

    private const int FlushEveryLines = 32;

    private static readonly JsonSerializerOptions AnswerJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>A line waiting for its chunk: either a document to store, or an answer already known that must keep its place.</summary>
    private readonly record struct Waiting(long Line, CaseDocument? Document, BulkLineResult? Answer);

    public static async Task RunAsync(HttpContext http, IValidator<CaseDocument> validator, CaseChunkWriter writer,
        JsonSerializerOptions documentJson, CancellationToken ct)
    {
        var input = http.Request.BodyReader;
        var output = http.Response.BodyWriter;
        long lines = 0, number = 0, created = 0, failed = 0, unflushed = 0;
        var complete = true;
        var chunk = new List<Waiting>();
        long chunkBytes = 0, leftOver = 0;

        async Task Answer(BulkLineResult result)
        {
            if (result.Status == "created") created++; else failed++;
            WriteLine(output, result, AnswerJson);
            if (++unflushed % FlushEveryLines == 0) await output.FlushAsync(ct);
        }

        // Answers keep line order: a line answered at once waits behind documents still in the chunk.
        async Task Enqueue(Waiting waiting, long bytes)
        {
            lines++;
            if (waiting.Document is null && chunk.Count == 0) { await Answer(waiting.Answer!); return; }
            chunk.Add(waiting);
            chunkBytes += bytes;
            if (chunk.Count >= ChunkLines || chunkBytes >= ChunkBytes) await WriteChunkAsync();
        }

        async Task WriteChunkAsync()
        {
            if (chunk.Count == 0) return;
            var results = await writer.CreateAsync(chunk.Where(w => w.Document is not null).Select(w => w.Document!).ToList(), ct);
            var next = 0;
            foreach (var waiting in chunk)
                await Answer(waiting.Answer ?? ToAnswer(waiting.Line, results[next++]));
            chunk.Clear();
            chunkBytes = 0;
        }

        // The next read; when nothing more of the body has arrived yet, the waiting chunk is written and answered
        // first, so a slow uploader gets its answers as it goes. (TryRead also answers true for bytes it has
        // already returned: only a longer buffer, or the end, counts as new.)
        async ValueTask<ReadResult> ReadAsync()
        {
            if (input.TryRead(out var ready))
            {
                if (ready.Buffer.Length > leftOver || ready.IsCompleted || ready.IsCanceled) return ready;
                input.AdvanceTo(ready.Buffer.Start, ready.Buffer.End);
            }
            await WriteChunkAsync();
            if (unflushed > 0) { await output.FlushAsync(ct); unflushed = 0; }
            return await input.ReadAsync(ct);
        }

        try
        {
            var skipping = false; // inside a line already answered as too long
            while (true)
            {
                var read = await ReadAsync();
                var buffer = read.Buffer;
                while (buffer.PositionOf((byte)'\n') is { } newline)
                {
                    var line = buffer.Slice(0, newline);
                    buffer = buffer.Slice(buffer.GetPosition(1, newline));
                    if (skipping) { skipping = false; continue; }
                    number++;
                    if (line.Length > MaxLineBytes) await Enqueue(new(number, null, TooLong(number)), 0);
                    else if (await HandleAsync(line, number) is { } waiting) await Enqueue(waiting, waiting.Document is null ? 0 : line.Length);
                }
                if (!skipping && buffer.Length > MaxLineBytes)
                {
                    number++;
                    await Enqueue(new(number, null, TooLong(number)), 0);
                    skipping = true;
                }
                if (skipping) buffer = buffer.Slice(buffer.End);
                if (read.IsCompleted)
                {
                    if (!skipping && buffer.Length > 0)
                    {
                        number++;
                        if (await HandleAsync(buffer, number) is { } waiting) await Enqueue(waiting, waiting.Document is null ? 0 : buffer.Length);
                    }
                    // The last read must be released too: Kestrel drains (or checks) the body after the response
                    // and logs "Reading is already in progress" if it was not.
                    input.AdvanceTo(buffer.End);
                    break;
                }
                input.AdvanceTo(buffer.Start, buffer.End);
                leftOver = buffer.Length;
            }
        }
        catch (BadHttpRequestException tooLarge) when (tooLarge.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            complete = false; // the answer has started: say so in the summary rather than by status code
        }
        await input.CompleteAsync();
        await WriteChunkAsync(); // the whole lines read before the end (or before the limit) are stored and answered
        WriteLine(output, new BulkSummary("summary", lines, created, failed, complete), AnswerJson);
        await output.FlushAsync(ct);

        async Task<Waiting?> HandleAsync(ReadOnlySequence<byte> line, long at)
        {
            if (IsBlank(line)) return null;
            var (document, error) = Parse(line, documentJson);
            if (document is null) return new Waiting(at, null, new BulkLineResult(at, "invalid", Errors: error));

            var validation = await validator.ValidateAsync(document, ct);
            if (!validation.IsValid)
                return new Waiting(at, null, new BulkLineResult(at, "invalid", Errors: validation.Errors
                    .GroupBy(e => string.IsNullOrEmpty(e.PropertyName) ? "$" : e.PropertyName)
                    .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).ToArray())));
            return new Waiting(at, document, null);
        }
    }

    private static BulkLineResult ToAnswer(long line, CaseWriteResult result) => result switch
    {
        CaseWriteResult.Created c => new BulkLineResult(line, "created", c.Id, $"/api/v1/cases/{c.Id}"),
        CaseWriteResult.Invalid i => new BulkLineResult(line, "invalid", Errors: i.Errors),
        CaseWriteResult.Duplicate d => new BulkLineResult(line, "duplicate", Errors: new Dictionary<string, string[]>
        {
            ["sourceCaseId"] = [$"This hospital already has a case with sourceCaseId '{d.SourceCaseId}'."],
        }, ExistingCaseId: d.ExistingId),
        // A hospital key's lines belong to its hospital (decided as for POST /cases).
        CaseWriteResult.Forbidden => new BulkLineResult(line, "forbidden", Errors: new Dictionary<string, string[]>
        {
            ["hospitalId"] = ["This key may only write to its own hospital; leave hospitalId out or name that hospital."],
        }),
        var other => throw new InvalidOperationException($"Unexpected result {other}"),
    };

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
    public static IServiceCollection AddBulkIngest(this IServiceCollection services) => services.AddScoped<CaseChunkWriter>();

    public static RouteGroupBuilder MapBulkIngest(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/cases").WithTags("Bulk ingest");

        group.MapPost("/bulk", Ingest).WithName("BulkCreateCases")
            .WithSummary("Submit many whole cases as NDJSON")
            .WithDescription($$$"""
                The body is NDJSON (`Content-Type: application/x-ndjson`): one whole case document per line, exactly
                as `POST /cases` takes it, checked by the same rules. Each line is validated on its own, so one bad
                line never blocks the others. Valid lines are stored in chunks of up to {{{BulkIngest.ChunkLines}}} lines, one
                transaction per chunk, written when the chunk is full, when the body ends, or when no more of the body
                has arrived yet. Lines are decided in order, as if sent one by one: a line repeating an earlier
                line's `sourceCaseId` is a duplicate of the case that line created, and lines naming the same new
                pseudonym share one new patient. If a concurrent writer takes a `sourceCaseId` or pseudonym while a
                chunk is being stored, that chunk is stored line by line instead, so every line still gets its own
                answer. The answer is NDJSON too, streamed in line order while the body is still being read (each
                chunk's lines once it is stored): one line per non-blank input line —
                `{"line":1,"status":"created","id":"…","location":"…"}`,
                `{"line":4,"status":"forbidden",…}` (a hospital key naming another hospital),
                `{"line":2,"status":"invalid","errors":{"medications[0].drug":["…"]}}`,
                `{"line":3,"status":"duplicate","existingCaseId":"…","errors":{…}}` — and a last line
                `{"status":"summary","lines":3,"created":1,"failed":2,"complete":true}`. The status code is 200
                once the upload is accepted. Limits: the body up to {{{BulkIngest.MaxBodyBytes / (1 << 20)}}} MiB (this
                endpoint only; elsewhere 1 MiB), each line up to {{{BulkIngest.MaxLineBytes / (1 << 10)}}} KiB. Memory
                stays flat whatever the body size.
                """)
            .Accepts<CaseDocument>("application/x-ndjson", "application/jsonl", "application/ndjson")
            .Produces<BulkLineResult>(StatusCodes.Status200OK, "application/x-ndjson")
            .WithResponseOneOf(StatusCodes.Status200OK, typeof(BulkLineResult), typeof(BulkSummary))
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(BulkIngest.MaxBodyBytes))
            .RequireAuthorization(Security.Policies.Write);

        return group;
    }

    private static Results<PushStreamHttpResult, ProblemHttpResult> Ingest(
        HttpContext http, IValidator<CaseDocument> validator, CaseChunkWriter writer, IOptions<JsonOptions> json)
    {
        var mediaType = http.Request.ContentType?.Split(';')[0].Trim();
        if (mediaType is not ("application/x-ndjson" or "application/jsonl" or "application/ndjson"))
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type.",
                detail: "Send NDJSON with 'Content-Type: application/x-ndjson': one whole case document per line.");

        return TypedResults.Stream(
            _ => BulkIngest.RunAsync(http, validator, writer, json.Value.SerializerOptions, http.RequestAborted),
            "application/x-ndjson; charset=utf-8");
    }
}
