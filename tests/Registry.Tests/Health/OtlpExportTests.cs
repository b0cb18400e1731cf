using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;

namespace Registry.Tests.Health;

/// <summary>The standard OTEL_EXPORTER_OTLP_ENDPOINT switches on OTLP export; a fake collector receives it.</summary>
public sealed class OtlpExportTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Fact]
    public async Task With_an_OTLP_endpoint_set_traces_of_requests_and_their_SQL_and_logs_are_sent_there()
    {
        using var collector = new FakeCollector();
        await using var exporting = app.WithWebHostBuilder(b => b
            .UseSetting("OTEL_EXPORTER_OTLP_ENDPOINT", collector.Address)
            .UseSetting("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
            .UseSetting("OTEL_BSP_SCHEDULE_DELAY", "200")
            .UseSetting("OTEL_BLRP_SCHEDULE_DELAY", "200"));

        var client = exporting.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/vocabulary")).StatusCode);

        // Spans and log records leave in batches, every 200 ms here, the request's span once the response is done,
        // and the EF Core and Npgsql spans of its SQL perhaps in another batch; give them all (and the machine) up to
        // 30 s. The request is repeated meanwhile: this test once failed in CI with every span but EF Core's, likely the
        // race between two instrumentations of one command (EF Core's and, here, Npgsql's) reported for SqlClient in
        // open-telemetry/opentelemetry-dotnet-contrib#1764.
        string[] expected =
        [
            "hfs-registry",                                       // the service name
            "Microsoft.AspNetCore", "/api/v1/vocabulary",         // the request's span
            "Npgsql", "OpenTelemetry.Instrumentation.EntityFrameworkCore", // SQL spans, through EF Core
        ];
        for (var wait = 0; wait < 150 && !(expected.All(collector.Received("/v1/traces").Contains)
                 && collector.Received("/v1/logs").Length > 0); wait++)
        {
            await Task.Delay(200);
            if (wait % 5 == 4) Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/vocabulary")).StatusCode);
        }
        var traces = collector.Received("/v1/traces");
        foreach (var text in expected) Assert.Contains(text, traces);
        Assert.NotEmpty(collector.Received("/v1/logs"));
    }

    /// <summary>Accepts OTLP/HTTP posts on a free port of 127.0.0.1 and keeps their bodies (protobuf; strings in it are plain UTF-8).</summary>
    private sealed class FakeCollector : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly ConcurrentQueue<(string Path, byte[] Body)> _posts = new();

        public FakeCollector()
        {
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                Address = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}";
            }
            _listener.Prefixes.Add(Address + "/");
            _listener.Start();
            _ = Task.Run(ServeAsync);
        }

        public string Address { get; }

        /// <summary>Everything posted to this path, as one string.</summary>
        public string Received(string path) =>
            string.Concat(_posts.Where(p => p.Path == path).Select(p => Encoding.UTF8.GetString(p.Body)));

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await _listener.GetContextAsync(); }
                catch (Exception) { return; }
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                _posts.Enqueue((context.Request.Url!.AbsolutePath, body.ToArray()));
                context.Response.ContentType = "application/x-protobuf";
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        }

        public void Dispose() => _listener.Close();
    }
}
