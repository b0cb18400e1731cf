using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Registry.Api.Data;

namespace Registry.Api.Security;

/// <summary>
/// Behind nginx or HAProxy the connection comes from the proxy: X-Forwarded-For / X-Forwarded-Proto then name the
/// client. They are honoured only from the addresses in <c>Registry:Proxy:KnownProxies</c> (comma-separated IPs) and
/// <c>Registry:Proxy:KnownNetworks</c> (CIDR), walking the X-Forwarded-For chain from the right while each hop is a
/// known proxy; with neither set they are ignored (ASP.NET Core's own default would trust loopback). The client
/// address so found is what the per-address rate limit partitions by and the ClientAddress scope of every log line.
/// </summary>
public static class ForwardedHeadersSetup
{
    public const string KnownProxiesSetting = "Registry:Proxy:KnownProxies";
    public const string KnownNetworksSetting = "Registry:Proxy:KnownNetworks";

    public static IApplicationBuilder UseRegistryForwardedHeaders(this WebApplication app)
    {
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            ForwardLimit = null,
        };
        options.KnownProxies.Clear();
        options.KnownNetworks.Clear();
        foreach (var proxy in List(app.Configuration[KnownProxiesSetting]))
            options.KnownProxies.Add(IPAddress.TryParse(proxy, out var address) ? address
                : throw new StartupConfigurationException($"{KnownProxiesSetting}: '{proxy}' is not an IP address."));
        foreach (var network in List(app.Configuration[KnownNetworksSetting]))
            options.KnownNetworks.Add(System.Net.IPNetwork.TryParse(network, out var parsed)
                ? new Microsoft.AspNetCore.HttpOverrides.IPNetwork(parsed.BaseAddress, parsed.PrefixLength)
                : throw new StartupConfigurationException($"{KnownNetworksSetting}: '{network}' is not a network in CIDR notation (e.g. 10.0.0.0/8)."));
        if (options.KnownProxies.Count + options.KnownNetworks.Count > 0) app.UseForwardedHeaders(options);

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Registry.Api.Requests");
        return app.Use(async (context, next) =>
        {
            using (logger.BeginScope("ClientAddress:{ClientAddress}", context.Connection.RemoteIpAddress?.ToString()))
                await next(context);
        });
    }

    private static IEnumerable<string> List(string? setting) =>
        (setting ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
