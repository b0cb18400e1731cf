using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Registry.Api.Cases;
using Registry.Api.Data;
using Registry.Api.Diagnostics;
using Registry.Api.Medications;
using Registry.Api.Outcomes;
using Registry.Api.Patients;
using Registry.Api.Security;
using Registry.Tests.Fhir;
using Xunit.Abstractions;

namespace Registry.Tests.Resilience;

/// <summary>
/// Every kind of write, with its PostgreSQL connection killed at every point it reaches the database (see
/// <see cref="BackendKiller"/>): before and after each command, BEGIN and COMMIT, and a COMMIT that succeeds but
/// whose acknowledgement is lost. Each write carries an Idempotency-Key, as the contract asks of clients. Whatever
/// the point, the answer is the normal one with the write stored exactly once, or a 503 problem with Retry-After and
/// nothing stored — never another 5xx — and the same request sent again with the same key tells the truth: the
/// first answer replayed, or the write done now, once.
/// </summary>
public sealed class WriteFaultInjectionTests(WriteFaultInjectionTests.FaultApp app, ITestOutputHelper output)
    : IClassFixture<WriteFaultInjectionTests.FaultApp>
{
    private readonly HttpClient _client = app.CreateClient();

    /// <summary>
    /// One kind of write: what to send (given a tag that makes it unique), how many times its effect is stored, and
    /// whether it takes an Idempotency-Key (bulk uploads do not: each chunk is its own transaction).
    /// </summary>
    private sealed record Write(Func<string, HttpRequestMessage> Request, Func<string, Task<int>> TimesStored, bool Idempotent = true);

    [Fact]
    public async Task A_whole_case_post_is_stored_once_or_not_at_all_wherever_its_connection_dies() =>
        await KillEverywhereAsync("case", new Write(
            tag => Json(HttpMethod.Post, "/api/v1/cases", NewCase(tag)),
            CasesOf));

    [Fact]
    public async Task A_patient_post_is_stored_once_or_not_at_all_wherever_its_connection_dies() =>
        await KillEverywhereAsync("patient", new Write(
            tag => Json(HttpMethod.Post, "/api/v1/patients", new PatientRequest(KeyBootstrap.TiantanHospital, tag, Sex.Female, 1970)),
            tag => Count("SELECT count(*)::int FROM patients WHERE pseudonym = @tag", tag)));

    [Fact]
    public async Task Child_posts_are_stored_once_or_not_at_all_wherever_their_connection_dies()
    {
        var owner = await _client.CreateCaseAsync(NewCase("children-owner"));
        await KillEverywhereAsync("diagnostic", new Write(
            tag => Json(HttpMethod.Post, $"/api/v1/cases/{owner.Id}/diagnostics",
                new DiagnosticRequest(DiagnosticKind.CtHead, 1, DiagnosticResult.Normal, [], tag, null)),
            tag => Count("SELECT count(*)::int FROM diagnostics WHERE summary = @tag", tag)));
        await KillEverywhereAsync("medication", new Write(
            tag => Json(HttpMethod.Post, $"/api/v1/cases/{owner.Id}/medications",
                new MedicationRequest("gabapentin", null, Route.Oral, null, null, null, 0, 10, Setting.Both, tag, [], null)),
            tag => Count("SELECT count(*)::int FROM medications WHERE purpose = @tag", tag)));
        await KillEverywhereAsync("outcome", new Write(
            tag => Json(HttpMethod.Post, $"/api/v1/cases/{owner.Id}/outcomes",
                new OutcomeRequest(10, AssessmentMethod.Phone, OutcomeStatus.Improved, null, null, [], tag)),
            tag => Count("SELECT count(*)::int FROM outcomes WHERE notes = @tag", tag)));
    }

    [Fact]
    public async Task A_case_put_is_applied_once_or_not_at_all_wherever_its_connection_dies()
    {
        var target = await _client.CreateCaseAsync(NewCase("put-target"));
        var versions = new Dictionary<string, int>();
        await KillEverywhereAsync("put", new Write(
            tag =>
            {
                // If-Match names the version stored when this PUT is first sent; its retry sends the same.
                if (!versions.TryGetValue(tag, out var version))
                    versions[tag] = version = app.QuerySingleAsync<int>("SELECT version FROM cases WHERE id = @id", new { id = target.Id }).GetAwaiter().GetResult();
                var request = Json(HttpMethod.Put, $"/api/v1/cases/{target.Id}", NewCase("put-target") with { Notes = tag });
                request.Headers.Add("If-Match", $"W/\"{version}\"");
                return request;
            },
            tag => Count("SELECT count(*)::int FROM cases WHERE notes = @tag AND version = @version",
                tag, new { tag, version = versions[tag] + 1 })));
    }

    [Fact]
    public async Task A_case_delete_is_done_once_or_not_at_all_wherever_its_connection_dies()
    {
        var doomed = new Dictionary<string, Guid>();
        await KillEverywhereAsync("delete", new Write(
            tag =>
            {
                if (!doomed.TryGetValue(tag, out var id))
                    doomed[tag] = id = _client.CreateCaseAsync(NewCase(tag)).GetAwaiter().GetResult().Id;
                var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/cases/{id}");
                request.Headers.Add("If-Match", "W/\"1\"");
                return request;
            },
            async tag => 1 - await Count("SELECT count(*)::int FROM cases WHERE id = @id", tag, new { id = doomed[tag] })));
    }

    [Fact]
    public async Task A_fhir_import_is_stored_once_or_not_at_all_wherever_its_connection_dies()
    {
        var bundle = JsonNode.Parse(await _client.GetStringAsync($"/api/v1/cases/{FhirExportTests.Tiantan}/fhir?bundleType=transaction"))!;
        await KillEverywhereAsync("fhir", new Write(
            tag =>
            {
                var copy = bundle.DeepClone();
                var encounter = copy["entry"]!.AsArray().Select(e => e!["resource"]!).Single(r => (string)r["resourceType"]! == "Encounter");
                encounter["identifier"]![0]!["value"] = tag;
                return new HttpRequestMessage(HttpMethod.Post, "/api/v1/fhir")
                {
                    Content = new StringContent(copy.ToJsonString(), Encoding.UTF8, "application/fhir+json"),
                };
            },
            tag => Count("SELECT count(*)::int FROM cases WHERE source_case_id = @tag", tag)));
    }

    [Fact]
    public async Task A_bulk_upload_stores_each_line_once_or_not_at_all_wherever_its_connection_dies() =>
        await KillEverywhereAsync("bulk", new Write(
            tag =>
            {
                // One line with a sourceCaseId, one without: a retried chunk must not store either twice.
                var lines = new[] { NewCase($"{tag}-a") with { SourceCaseId = tag }, NewCase($"{tag}-b") }
                    .Select(document => System.Text.Json.JsonSerializer.Serialize(document, RegistryApp.Json));
                return new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases/bulk")
                {
                    Content = new StringContent(string.Join("\n", lines) + "\n", Encoding.UTF8, "application/x-ndjson"),
                };
            },
            async tag =>
            {
                int[] stored = [await CasesOf($"{tag}-a"), await CasesOf($"{tag}-b")];
                return stored.Distinct().Count() == 1 ? stored[0] : -1; // both lines, or neither
            },
            Idempotent: false));

    /// <summary>
    /// Sends the write once per point its connection can die at — N = 1, 2, … until the write finishes before
    /// reaching the Nth — in both modes, and checks each answer against what is stored.
    /// </summary>
    private async Task KillEverywhereAsync(string kind, Write write)
    {
        foreach (var mode in new[] { "terminate", BackendKiller.AckLost })
        {
            for (var n = 1; ; n++)
            {
                Assert.True(n < 200, $"{kind}: the killer never ran out of points to kill at.");
                var tag = $"FI-{kind}-{mode}-{n}";
                var key = Guid.NewGuid().ToString();

                var first = write.Request(tag);
                if (write.Idempotent) first.Headers.Add("Idempotency-Key", key);
                first.Headers.Add(BackendKiller.IdHeader, tag);
                first.Headers.Add(BackendKiller.AtHeader, n.ToString());
                first.Headers.Add(BackendKiller.ModeHeader, mode);
                using var response = await _client.SendAsync(first);
                var body = await response.Content.ReadAsStringAsync();
                var firedAt = app.Killer.FiredAt(tag);
                var context = $"{kind}, {mode} at {firedAt ?? $"#{n} (not reached)"}: {(int)response.StatusCode} {body}";
                output.WriteLine(context.Length > 300 ? context[..300] : context);

                if (response.IsSuccessStatusCode)
                    Assert.True(await write.TimesStored(tag) == 1, $"Answered success but not stored exactly once — {context}");
                else
                {
                    Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"Answered neither success nor 503 — {context}");
                    Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                    Assert.True(response.Headers.RetryAfter is not null, $"503 without Retry-After — {context}");
                    Assert.True(await write.TimesStored(tag) == 0, $"Answered 503 but stored — {context}");
                }

                if (!write.Idempotent)
                {
                    if (response.IsSuccessStatusCode)
                        Assert.All(body.Split('\n', StringSplitOptions.RemoveEmptyEntries)[..^1], line => Assert.Contains("\"status\":\"created\"", line));
                    if (firedAt is null) break;
                    continue;
                }
                var retry = write.Request(tag);
                retry.Headers.Add("Idempotency-Key", key);
                using var again = await _client.SendAsync(retry);
                var againBody = await again.Content.ReadAsStringAsync();
                Assert.True(again.IsSuccessStatusCode, $"The retry with the same key answered {(int)again.StatusCode} {againBody} — first: {context}");
                Assert.Equal(response.IsSuccessStatusCode, again.Headers.Contains("Idempotent-Replayed"));
                if (response.IsSuccessStatusCode)
                {
                    Assert.Equal(response.Headers.Location, again.Headers.Location);
                    Assert.Equal(body, againBody);
                }
                Assert.True(await write.TimesStored(tag) == 1, $"Not stored exactly once after the retry — first: {context}");

                if (firedAt is null) break;
            }
        }
    }

    private Task<int> CasesOf(string pseudonym) =>
        Count("SELECT count(*)::int FROM cases c JOIN patients p ON p.id = c.patient_id WHERE p.pseudonym = @tag", pseudonym);

    private static CaseDocument NewCase(string tag) => CaseDocuments.Document(KeyBootstrap.TiantanHospital, pseudonym: tag);

    private static HttpRequestMessage Json<T>(HttpMethod method, string url, T body) =>
        new(method, url) { Content = JsonContent.Create(body, options: RegistryApp.Json) };

    private Task<int> Count(string sql, string tag, object? parameters = null) => app.QuerySingleAsync<int>(sql, parameters ?? new { tag });

    /// <summary>The API with the backend killer in its DbContext's interceptors.</summary>
    public sealed class FaultApp : RegistryApp
    {
        public BackendKiller Killer { get; private set; } = null!;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            // Every kill makes EF Core log the broken command and the API the 503 or retry; the assertions say what matters.
            builder.ConfigureLogging(logging => logging
                .AddFilter("Microsoft.EntityFrameworkCore", LogLevel.None)
                .AddFilter("Registry.Api.Common.ProblemExceptionHandler", LogLevel.Warning));
            builder.ConfigureServices(services =>
            {
                // Its own pool (another connection string): the killer's connection is never one it kills.
                services.AddSingleton(provider => Killer = new BackendKiller(
                    provider.GetRequiredService<IHttpContextAccessor>(), ConnectionString + ";Application Name=backend-killer"));
                services.ConfigureDbContext<RegistryDb>(
                    (provider, options) => options.AddInterceptors(provider.GetRequiredService<BackendKiller>()), ServiceLifetime.Singleton);
            });
        }
    }
}
