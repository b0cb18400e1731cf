using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;
using Registry.Api.Common;

namespace Registry.Tests.Infrastructure;

/// <summary>
/// The API under test, over HTTP, backed by a database of its own cloned from the migrated template.
/// Use one per test class (IClassFixture) so classes never see each other's rows.
/// </summary>
public class RegistryApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly string _database = $"test_{Guid.NewGuid():N}"[..20];
    private PostgresServer? _server;

    /// <summary>The owner's connection (the server's admin): what the tests read and arrange stored state with.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>What the API's requests log in as: registry_api, bound by row-level security.</summary>
    public string ApiConnectionString { get; private set; } = "";

    /// <summary>The serializer options the API uses, for reading responses into contracts.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new KebabEnumConverterFactory() } };

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.InstanceAsync();
        ConnectionString = await _server.CreateDatabaseAsync(_database);
        ApiConnectionString = _server.ApiConnectionStringFor(_database);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Registry", ApiConnectionString);
        builder.UseSetting("ConnectionStrings:RegistryOwner", ConnectionString);
        builder.UseSetting(DevelopmentKeys.Setting, "true");
    }

    /// <summary>Clients act as the development admin unless a test asks for another key (or none).</summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Authorization = new("Bearer", DevelopmentKeys.Admin);
    }

    /// <summary>A client sending this key, or no key at all when null.</summary>
    public HttpClient ClientWithKey(string? key)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = key is null ? null : new("Bearer", key);
        return client;
    }

    /// <summary>Reads stored state directly, to check what a request did (or did not) change.</summary>
    public async Task<T> QuerySingleAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        return await connection.QuerySingleAsync<T>(sql, parameters);
    }

    /// <summary>Reads stored rows directly, in the order the query gives.</summary>
    public async Task<List<T>> QueryAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        return (await connection.QueryAsync<T>(sql, parameters)).ToList();
    }

    public async Task<int> ExecuteAsync(string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        return await connection.ExecuteAsync(sql, parameters);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        if (_server is not null) await _server.DropDatabaseAsync(_database);
    }
}
