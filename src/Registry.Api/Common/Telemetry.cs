using Npgsql;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Registry.Api.Security;

namespace Registry.Api.Common;

/// <summary>
/// OpenTelemetry: metrics from ASP.NET Core, Npgsql and the .NET runtime, scraped by Prometheus at /metrics;
/// and, when the standard OTEL_EXPORTER_OTLP_ENDPOINT is set, traces (ASP.NET Core, EF Core, Npgsql), metrics and
/// logs sent there over OTLP. Without an OTLP endpoint no spans are recorded: nothing would receive them.
/// Log lines carry the trace id either way (the TraceId scope, see <see cref="RequestIds"/>).
/// </summary>
public static class Telemetry
{
    public const string MetricsPath = "/metrics";
    private const string OtlpEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static void AddRegistryTelemetry(this WebApplicationBuilder builder)
    {
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpoint]);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("hfs-registry"))
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation().AddNpgsqlInstrumentation().AddRuntimeInstrumentation()
                    .AddPrometheusExporter();
                if (otlp) metrics.AddOtlpExporter();
            });
        if (!otlp) return;
        telemetry
            .WithTracing(tracing => tracing.AddAspNetCoreInstrumentation().AddEntityFrameworkCoreInstrumentation()
                .AddNpgsql().AddOtlpExporter())
            .WithLogging(logging => logging.AddOtlpExporter());
    }

    /// <summary>
    /// The Prometheus scrape endpoint. Open like /health/* by default (it holds counts and timings, no registry
    /// data); Registry:Metrics:RequireAdminKey=true restricts it to admin keys.
    /// </summary>
    public static void MapRegistryMetrics(this WebApplication app)
    {
        var endpoint = app.MapPrometheusScrapingEndpoint(MetricsPath);
        if (app.Configuration.GetValue("Registry:Metrics:RequireAdminKey", false))
            endpoint.RequireAuthorization(Policies.Admin);
    }
}
