using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Registry.Api.Security;
using Registry.Tests.Cases;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Security;

public sealed class LoggingTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Fact]
    public async Task Log_lines_carry_the_request_id_and_never_a_pseudonym()
    {
        var logs = new CapturingLogs();
        await using var logged = app.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<ILoggerProvider>(logs)));
        var client = logged.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", DevelopmentKeys.Admin);

        var created = await client.CreateCaseAsync(CaseDocuments.Document(KeyBootstrap.TiantanHospital, pseudonym: "SECRET-PSEUDONYM-7f3a", sourceCaseId: "LOG-1"));
        await client.PostAsJson("/api/v1/cases", CaseDocuments.Document(KeyBootstrap.TiantanHospital, pseudonym: "SECRET-PSEUDONYM-7f3a", sourceCaseId: "LOG-1"));
        var malformed = await client.PostJson("/api/v1/cases", """{"patient": {"pseudonym": "SECRET-PSEUDONYM-7f3a",""");

        await malformed.ReadProblem(HttpStatusCode.BadRequest);
        var requestId = Assert.Single(malformed.Headers.GetValues("X-Request-Id"));
        Assert.Contains(logs.Lines, line => line.Contains(requestId));
        Assert.DoesNotContain(logs.Lines, line => line.Contains("SECRET-PSEUDONYM-7f3a"));
        Assert.NotEqual(Guid.Empty, created.Id);
    }

    /// <summary>Every log line with its scopes (where the TraceId is), as the console logger would write them.</summary>
    private sealed class CapturingLogs : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();
        public ConcurrentBag<string> Lines { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);
        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;
        public void Dispose() { }

        private sealed class Logger(CapturingLogs owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);
            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var scopes = new List<string>();
                owner._scopes.ForEachScope((scope, list) => list.Add(scope?.ToString() ?? ""), scopes);
                owner.Lines.Add($"{category}: {formatter(state, exception)} {exception} | {string.Join(" => ", scopes)}");
            }
        }
    }
}
