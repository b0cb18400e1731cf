using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Registry.Tests.Infrastructure;

public static class AppSettings
{
    /// <summary>
    /// Another host of the API on the same test database with these settings on top: a second instance, with its
    /// own caches and rate limiter, as a second process would have.
    /// </summary>
    public static WebApplicationFactory<Program> WithSettings(this WebApplicationFactory<Program> app, params (string Key, string Value)[] settings) =>
        app.WithWebHostBuilder(builder => { foreach (var (key, value) in settings) builder.UseSetting(key, value); });
}
