using Npgsql;
using Registry.Api.Data;
using Registry.Api.Security;
using Registry.Api.Seeding;

namespace Registry.Api.Startup;

/// <summary>
/// Readies the database before the API serves: migrate (as the owning role), check the request role, load the
/// seed cases, make sure an admin can get in. One step under one lock (the migrator's session-level advisory lock,
/// held on the owner's connection throughout, so instances starting together take turns) and one retry loop
/// (a database still starting up is waited for; every part is idempotent, so a retry starts the step over).
/// </summary>
public static class DatabaseStartup
{
    private const int Attempts = 15;
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    /// <summary>The owner's connection string: ConnectionStrings:RegistryOwner, else the request one (a superuser or owner login).</summary>
    public static string OwnerConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString("RegistryOwner") is { Length: > 0 } owner ? owner : configuration.GetConnectionString("Registry")!;

    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILogger<Migrator>>();
        var ct = app.Lifetime.ApplicationStopping;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await RunAsync(app.Services, app.Configuration, logger, ct);
                return;
            }
            catch (NpgsqlException ex) when (ex.IsTransient && attempt < Attempts)
            {
                logger.LogWarning("Database not reachable yet ({Message}); retrying in {Seconds} s", ex.Message, RetryAfter.TotalSeconds);
                await Task.Delay(RetryAfter, ct);
            }
        }
    }

    private static async Task RunAsync(IServiceProvider services, IConfiguration configuration, ILogger<Migrator> logger, CancellationToken ct)
    {
        await using var owner = NpgsqlDataSource.Create(OwnerConnectionString(configuration));
        await using var connection = await owner.OpenConnectionAsync(ct);
        await using (await Migrator.HoldStartupLockAsync(connection, ct))
        {
            await new Migrator(owner, logger).ApplyAsync(connection, ct);
            await using var scope = services.CreateAsyncScope();
            await RequestRole.CheckAsync(scope.ServiceProvider.GetRequiredService<CallerDataSource>(), logger, ct);
            await ReadReplica.CheckAsync(services, configuration, logger, ct);
            await scope.ServiceProvider.GetRequiredService<SeedLoader>().LoadAsync(ct);
            await scope.ServiceProvider.GetRequiredService<KeyBootstrap>().EnsureKeysAsync(ct);
        }
    }
}
