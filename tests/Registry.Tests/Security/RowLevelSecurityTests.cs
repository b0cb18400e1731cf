using Dapper;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Registry.Api.Data;
using Registry.Api.Security;

namespace Registry.Tests.Security;

/// <summary>
/// Tenancy is PostgreSQL's: SQL that names no hospital at all, run on the API's own connections for a hospital
/// caller, still sees and changes only that hospital's rows.
/// </summary>
public sealed class RowLevelSecurityTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private static readonly Caller Tiantan = new(Guid.NewGuid(), Role.Hospital, KeyBootstrap.TiantanHospital);

    [Fact]
    public async Task An_unfiltered_select_on_the_apis_connection_sees_only_the_callers_hospital()
    {
        Assert.Equal([KeyBootstrap.TiantanHospital, KeyBootstrap.HarbinHospital], await RowLevelSecurity.HospitalsWithCasesAsOwnerAsync(app));

        Assert.Equal([KeyBootstrap.TiantanHospital], await RowLevelSecurity.HospitalsSeenAsync(app, Tiantan));
        foreach (var table in new[] { "patients", "diagnostics", "medications", "outcomes" })
            Assert.Equal([KeyBootstrap.TiantanHospital], await RowLevelSecurity.HospitalsSeenAsync(app, Tiantan, table));
    }

    [Fact]
    public async Task An_unfiltered_update_on_the_apis_connection_changes_only_the_callers_hospitals_rows()
    {
        await using var connection = await RowLevelSecurity.ConnectionFor(app, Tiantan);
        var updated = await connection.ExecuteAsync("UPDATE cases SET notes = 'touched by an unfiltered update'");

        var touched = await app.QueryAsync<Guid>("SELECT hospital_id FROM cases WHERE notes = 'touched by an unfiltered update'");
        Assert.Equal(await app.QuerySingleAsync<int>("SELECT count(*)::int FROM cases WHERE hospital_id = @h", new { h = KeyBootstrap.TiantanHospital }), updated);
        Assert.All(touched, hospital => Assert.Equal(KeyBootstrap.TiantanHospital, hospital));
        Assert.NotEmpty(touched);
    }

    [Fact]
    public async Task EF_queries_and_bulk_updates_without_a_hospital_filter_are_confined_alike()
    {
        using var scope = app.Services.CreateScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<RegistryDb>>().CreateDbContextAsync();
        db.Caller = Tiantan;

        Assert.Equal([KeyBootstrap.TiantanHospital], await db.Cases.Select(c => c.HospitalId).Distinct().ToListAsync());
        var updated = await db.Outcomes.ExecuteUpdateAsync(o => o.SetProperty(x => x.Notes, "touched through EF"));

        var touched = await app.QueryAsync<Guid>("SELECT hospital_id FROM outcomes WHERE notes = 'touched through EF'");
        Assert.Equal(touched.Count, updated);
        Assert.All(touched, hospital => Assert.Equal(KeyBootstrap.TiantanHospital, hospital));
    }

    [Fact]
    public async Task A_connection_without_a_caller_sees_no_hospital_scoped_rows()
    {
        // What a code path that forgot to name its caller gets: the policies fail closed.
        await using var connection = new Npgsql.NpgsqlConnection(app.ApiConnectionString);
        Assert.Equal(0L, await connection.QuerySingleAsync<long>("SELECT count(*) FROM cases"));
        Assert.Equal(2L, await app.QuerySingleAsync<long>("SELECT count(*) FROM cases"));
    }
}

/// <summary>
/// The check that the tests above depend on the policies: in a database of its own, with row-level security switched
/// off on cases, the same helper sees every hospital's cases.
/// </summary>
public sealed class RowLevelSecuritySabotageTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Fact]
    public async Task Without_the_policies_the_same_unfiltered_select_sees_every_hospital()
    {
        var tiantan = new Caller(Guid.NewGuid(), Role.Hospital, KeyBootstrap.TiantanHospital);
        Assert.Equal([KeyBootstrap.TiantanHospital], await RowLevelSecurity.HospitalsSeenAsync(app, tiantan));

        await app.ExecuteAsync("DROP POLICY hospital_own ON cases; CREATE POLICY hospital_own ON cases FOR SELECT TO registry_hospital USING (true)");

        Assert.Equal([KeyBootstrap.TiantanHospital, KeyBootstrap.HarbinHospital], await RowLevelSecurity.HospitalsSeenAsync(app, tiantan));
    }
}

internal static class RowLevelSecurity
{
    /// <summary>A connection as the API's requests get it (RegistryConnections, resolved from the running server) for this caller.</summary>
    public static async Task<Npgsql.NpgsqlConnection> ConnectionFor(RegistryApp app, Caller caller)
    {
        app.CreateClient(); // starts the server: migrated and seeded
        return await app.Services.GetRequiredService<RegistryConnections>().For(caller).OpenConnectionAsync(CancellationToken.None);
    }

    /// <summary>Deliberately unfiltered: every hospital the table shows this caller.</summary>
    public static async Task<List<Guid>> HospitalsSeenAsync(RegistryApp app, Caller caller, string table = "cases")
    {
        await using var connection = await ConnectionFor(app, caller);
        return (await connection.QueryAsync<Guid>($"SELECT DISTINCT hospital_id FROM {table}")).OrderBy(Order).ToList();
    }

    public static async Task<List<Guid>> HospitalsWithCasesAsOwnerAsync(RegistryApp app)
    {
        app.CreateClient();
        return (await app.QueryAsync<Guid>("SELECT DISTINCT hospital_id FROM cases")).OrderBy(Order).ToList();
    }

    /// <summary>Tiantan first, then Harbin, whatever the Guids' order.</summary>
    private static int Order(Guid hospital) => hospital == KeyBootstrap.TiantanHospital ? 0 : 1;
}
