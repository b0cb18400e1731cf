using DotNet.Testcontainers.Configurations;
using Testcontainers.PostgreSql;

namespace Registry.Tests.Infrastructure;

/// <summary>
/// PostgreSQL 15 in a Docker container started by Testcontainers, for machines where a Docker engine answers.
/// The image is REGISTRY_TEST_POSTGRES_IMAGE (default the official postgres:15; CI builds a local one from
/// Debian packages with .ci/postgres-image.sh, since it reaches no image registry). The container goes when the
/// test run ends: Testcontainers' reaper removes it, and the run removes it itself where the reaper is off.
/// </summary>
public static class PostgresContainer
{
    public static string Image =>
        Environment.GetEnvironmentVariable("REGISTRY_TEST_POSTGRES_IMAGE") is { Length: > 0 } image ? image : "postgres:15";

    /// <summary>Whether Testcontainers found a Docker engine that answers (DOCKER_HOST, the default socket, ...).</summary>
    public static bool DockerAnswers => TestcontainersSettings.OS.DockerEndpointAuthConfig is not null;

    /// <summary>Starts a container and returns its superuser connection string (database postgres).</summary>
    public static async Task<string> StartAsync()
    {
        // PostgreSqlBuilder already turns off fsync, full_page_writes and synchronous_commit; these match the
        // throwaway cluster's other settings.
        var container = new PostgreSqlBuilder(Image)
            .WithCommand("-c", "max_connections=300", "-c", "shared_buffers=128MB")
            .Build();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => container.DisposeAsync().AsTask().GetAwaiter().GetResult();
        await container.StartAsync();
        return container.GetConnectionString();
    }
}
