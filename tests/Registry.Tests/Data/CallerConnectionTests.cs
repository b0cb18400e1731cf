using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Registry.Api.Data;

namespace Registry.Tests.Data;

/// <summary>What a request's connection carries, and that none of it outlives the request's use of it.</summary>
public sealed class CallerConnectionTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Fact]
    public async Task A_connection_for_filtered_sql_plans_each_call_and_hands_that_back_to_the_pool_reset()
    {
        app.CreateClient();
        // One pooled physical connection, prepared statements on, as the API's: the second open gets the first one back.
        var connections = new RegistryConnections(Npgsql.NpgsqlDataSource.Create(
            app.ApiConnectionString + ";Maximum Pool Size=1;Max Auto Prepare=64;Auto Prepare Min Usages=2"));
        var source = connections.For(Caller.System);
        int backend;

        await using (var filtered = await source.OpenConnectionAsync(CancellationToken.None, planEachCall: true))
        {
            Assert.Equal("force_custom_plan", await filtered.QuerySingleAsync<string>("SHOW plan_cache_mode"));
            backend = filtered.ProcessID;
        }

        await using var next = await source.OpenConnectionAsync(CancellationToken.None);
        Assert.Equal(backend, next.ProcessID);
        Assert.Equal("auto", await next.QuerySingleAsync<string>("SHOW plan_cache_mode"));
        Assert.Equal("registry_admin", await next.QuerySingleAsync<string>("SELECT current_user::text"));
    }
}
