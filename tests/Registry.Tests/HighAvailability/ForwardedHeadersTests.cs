using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Registry.Api.Security;

namespace Registry.Tests.HighAvailability;

/// <summary>
/// Issue 14, point 2: behind nginx/HAProxy the logs (and the per-address rate limit) see the client's address from
/// X-Forwarded-For, but only when the request comes from a configured known proxy. Over real sockets (Kestrel),
/// where the connection's address is 127.0.0.1.
/// </summary>
public sealed class ForwardedHeadersTests
{
    /// <summary>The API on Kestrel with its log lines captured, trusting X-Forwarded-For from these proxies.</summary>
    public abstract class LoggedApp(string? knownProxies) : KestrelRegistryApp
    {
        public CapturingLogs Logs { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            if (knownProxies is not null) builder.UseSetting(ForwardedHeadersSetup.KnownProxiesSetting, knownProxies);
            builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(Logs));
        }
    }

    public sealed class BehindProxy() : LoggedApp("127.0.0.1");

    public sealed class NoProxyConfigured() : LoggedApp(null);

    /// <summary>A malformed body: the API logs it (LoggingTests), with the request's scopes.</summary>
    private static async Task<IReadOnlyCollection<string>> LogsOfOneForwardedRequest(LoggedApp app)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases")
        {
            Content = new StringContent("""{"patient": {""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        var response = await app.CreateClient().SendAsync(request);
        await response.ReadProblem(HttpStatusCode.BadRequest);
        var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        return app.Logs.Lines.Where(line => line.Contains(requestId)).ToList();
    }

    public sealed class FromAKnownProxy(BehindProxy app) : IClassFixture<BehindProxy>
    {
        [Fact]
        public async Task Log_lines_carry_the_forwarded_client_address()
        {
            var lines = await LogsOfOneForwardedRequest(app);

            Assert.NotEmpty(lines);
            Assert.All(lines, line => Assert.Contains("ClientAddress:203.0.113.7", line));
        }
    }

    public sealed class WithoutKnownProxies(NoProxyConfigured app) : IClassFixture<NoProxyConfigured>
    {
        [Fact]
        public async Task A_forwarded_address_from_an_unconfigured_proxy_is_ignored()
        {
            var lines = await LogsOfOneForwardedRequest(app);

            Assert.NotEmpty(lines);
            Assert.All(lines, line => Assert.Contains("ClientAddress:127.0.0.1", line));
            Assert.DoesNotContain(lines, line => line.Contains("203.0.113.7"));
        }
    }
}
