using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;
using Registry.Api.Data;
using Registry.Api.Security;
using Registry.Tests.Cases;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.HighAvailability;

/// <summary>
/// Issue 14, point 2: the connection strings an HA deployment uses (a read string, multi-host strings, a
/// transaction-mode pooler), and the start-up refusals of configurations the API cannot run with.
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
        Assert.Equal(settings.Port, ready.GetProperty("writesTo").GetProperty("port").GetInt32());
        Assert.False(ready.GetProperty("writesTo").GetProperty("isStandby").GetBoolean());
        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM cases WHERE source_case_id = 'MULTI-HOST-1'"));
    }

    [Fact]
    public void A_transaction_mode_pooler_without_a_direct_connection_for_the_session_locks_is_refused_at_start_up()
    {
        var message = StartupError(app.WithSettings((PoolerMode.Setting, "pgbouncer-transaction")));

        Assert.Contains("ConnectionStrings:RegistryDirect is not set", message);
    }

    [Fact]
    public void A_statement_mode_pooler_is_refused_at_start_up()
    {
        Assert.Contains("cannot use a statement-mode pooler", StartupError(app.WithSettings((PoolerMode.Setting, "pgbouncer-statement"))));
    }

    [Fact]
    public void A_transaction_mode_pooler_with_auto_prepare_asked_for_in_the_connection_string_is_refused()
    {
        var message = StartupError(app.WithSettings(
            (PoolerMode.Setting, "pgbouncer-transaction"),
            ("ConnectionStrings:RegistryDirect", app.ConnectionString),
            ("ConnectionStrings:Registry", $"{app.ConnectionString};Max Auto Prepare=20")));

        Assert.Contains("Max Auto Prepare=20", message);
    }

    [Fact]
    public async Task In_transaction_pooler_mode_with_a_direct_connection_the_api_starts_and_writes()
    {
        await using var factory = app.WithSettings(
            (PoolerMode.Setting, "pgbouncer-transaction"), ("ConnectionStrings:RegistryDirect", app.ConnectionString));
        var client = factory.CreateClient().WithKey(DevelopmentKeys.Admin);

        for (var i = 0; i < 4; i++) // auto-prepare would prepare a statement used twice
            await client.CreateCaseAsync(CaseDocuments.Document(KeyBootstrap.TiantanHospital, pseudonym: $"PB-{i}", sourceCaseId: $"POOLER-{i}"));
        var ready = await (await client.GetAsync("/health/ready")).ReadAs<JsonElement>(HttpStatusCode.OK);

        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Equal(4, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM cases WHERE source_case_id LIKE 'POOLER-%'"));
    }
}
