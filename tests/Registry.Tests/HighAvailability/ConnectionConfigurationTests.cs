using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;
using Registry.Api.Data;
using Registry.Api.Security;

namespace Registry.Tests.HighAvailability;

/// <summary>
/// Issue 14, point 2: the connection strings an HA deployment uses (a read string, multi-host strings, a
/// pooler), and the start-up refusals of configurations the API cannot run with.
/// </summary>
public sealed class ConnectionConfigurationTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private static string StartupError(WebApplicationFactory<Program> factory)
    {
        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        var startup = error as StartupConfigurationException ?? error.InnerException as StartupConfigurationException;
        Assert.True(startup is not null, $"Expected a StartupConfigurationException, got {error}");
        return startup.Message;
    }

    [Fact]
    public void A_read_connection_string_that_reaches_a_primary_stops_the_start_up_naming_the_fix()
    {
        var message = StartupError(app.WithSettings(("ConnectionStrings:RegistryRead", app.ConnectionString)));

        Assert.Contains("ConnectionStrings:RegistryRead reaches a primary", message);
        Assert.Contains(ReadReplica.MayBePrimarySetting, message);
    }

    [Fact]
    public async Task Multi_host_connection_strings_with_target_session_attributes_serve_writes_reads_and_analytics()
    {
        var settings = new NpgsqlConnectionStringBuilder(app.ConnectionString);
        var hosts = $"Host={settings.Host},{settings.Host}";
        var rest = app.ConnectionString.Replace($"Host={settings.Host}", "");
        await using var factory = app.WithSettings(
            ("ConnectionStrings:Registry", $"{hosts}{rest};Target Session Attributes=primary"),
            ("ConnectionStrings:RegistryRead", $"{hosts}{rest};Target Session Attributes=prefer-standby"),
            (ReadReplica.MayBePrimarySetting, "true"));
        var client = factory.CreateClient().WithKey(DevelopmentKeys.Admin);

        var created = await client.CreateCaseAsync(CaseDocuments.Document(KeyBootstrap.TiantanHospital, pseudonym: "MH-1", sourceCaseId: "MULTI-HOST-1"));
        var read = await (await client.GetAsync($"/api/v1/cases/{created.Id}")).ReadAs<JsonElement>(HttpStatusCode.OK);
        var list = await (await client.GetAsync("/api/v1/cases?limit=200")).ReadAs<JsonElement>(HttpStatusCode.OK);
        var ready = await (await client.GetAsync("/health/ready")).ReadAs<JsonElement>(HttpStatusCode.OK);

        Assert.Equal("MULTI-HOST-1", read.GetProperty("sourceCaseId").GetString());
        Assert.Contains(list.GetProperty("items").EnumerateArray(), c => c.GetProperty("id").GetGuid() == created.Id);
        // The port as the server sees itself: in a container that is its own port, not the one mapped on the host.
        Assert.Equal(await app.QuerySingleAsync<int>("SELECT inet_server_port()"), ready.GetProperty("writesTo").GetProperty("port").GetInt32());
        Assert.False(ready.GetProperty("writesTo").GetProperty("isStandby").GetBoolean());
        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM cases WHERE source_case_id = 'MULTI-HOST-1'"));
    }

    [Theory]
    [InlineData("pgbouncer-transaction")]
    [InlineData("pgbouncer-statement")]
    public void A_transaction_or_statement_mode_pooler_is_refused_at_start_up_since_row_level_security_needs_a_session(string mode)
    {
        var message = StartupError(app.WithSettings((PoolerMode.Setting, mode)));

        Assert.Contains("cannot run behind a transaction- or statement-mode pooler", message);
        Assert.Contains("pool_mode = session", message);
    }

    [Fact]
    public async Task In_session_pooler_mode_the_api_starts_and_writes()
    {
        await using var factory = app.WithSettings((PoolerMode.Setting, "pgbouncer-session"));
        var client = factory.CreateClient().WithKey(DevelopmentKeys.Admin);

        await client.CreateCaseAsync(CaseDocuments.Document(KeyBootstrap.TiantanHospital, pseudonym: "PB-1", sourceCaseId: "POOLER-1"));
        var ready = await (await client.GetAsync("/health/ready")).ReadAs<JsonElement>(HttpStatusCode.OK);

        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM cases WHERE source_case_id = 'POOLER-1'"));
    }

    [Fact]
    public void An_unknown_pooler_mode_is_refused_at_start_up()
    {
        Assert.Contains("which the API does not know", StartupError(app.WithSettings((PoolerMode.Setting, "odyssey"))));
    }
}
