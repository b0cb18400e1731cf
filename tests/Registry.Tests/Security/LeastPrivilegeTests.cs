using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Registry.Api.Security;
using Registry.Api.Data;

namespace Registry.Tests.Security;

/// <summary>The API's requests run as a role that owns nothing, bypasses nothing, and may only append to the audit trail.</summary>
public sealed class LeastPrivilegeTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private async Task<NpgsqlConnection> AdminConnection()
    {
        app.CreateClient();
        return await app.Services.GetRequiredService<RegistryConnections>().For(Caller.System).OpenConnectionAsync(CancellationToken.None);
    }

    [Theory]
    [InlineData(Role.Admin, "registry_admin")]
    [InlineData(Role.Analyst, "registry_analyst")]
    [InlineData(Role.Hospital, "registry_hospital")]
    public async Task Requests_log_in_as_registry_api_and_act_as_their_callers_role_which_is_no_superuser_bypasses_no_policy_and_owns_nothing(
        Role callerRole, string databaseRole)
    {
        app.CreateClient();
        var caller = new Caller(Guid.NewGuid(), callerRole, callerRole == Role.Hospital ? KeyBootstrap.TiantanHospital : null);
        await using var connection = await app.Services.GetRequiredService<RegistryConnections>().For(caller).OpenConnectionAsync(CancellationToken.None);

        var role = await connection.QuerySingleAsync<(string Login, string Name, bool Super, bool Bypass, bool Owns)>("""
            SELECT session_user::text, current_user::text, rolsuper, rolbypassrls, EXISTS (SELECT FROM pg_class WHERE relowner = r.oid)
            FROM pg_roles r WHERE rolname = current_user
            """);

        Assert.Equal(("registry_api", databaseRole, false, false, false), role);
    }

    [Fact]
    public async Task The_login_inherits_none_of_the_caller_roles_so_their_policies_never_apply_to_it()
    {
        app.CreateClient();
        Assert.False(await app.QuerySingleAsync<bool>("SELECT rolinherit FROM pg_roles WHERE rolname = 'registry_api'"));
        Assert.False(await app.QuerySingleAsync<bool>("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = 'registry_api'"));
    }

    [Theory]
    [InlineData("UPDATE audit_log SET role = 'forged'")]
    [InlineData("DELETE FROM audit_log")]
    [InlineData("TRUNCATE audit_log")]
    [InlineData("SET session_replication_role = replica")]
    [InlineData("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_or_delete")]
    [InlineData("ALTER TABLE cases DISABLE ROW LEVEL SECURITY")]
    public async Task The_request_role_may_not_rewrite_the_audit_trail_nor_switch_off_its_guards(string sql)
    {
        await using var connection = await AdminConnection();
        var before = await app.QuerySingleAsync<(long Rows, string? Roles)>("SELECT count(*), string_agg(role, ',' ORDER BY id) FROM audit_log");

        var refused = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(sql));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        Assert.Equal(before, await app.QuerySingleAsync<(long Rows, string? Roles)>("SELECT count(*), string_agg(role, ',' ORDER BY id) FROM audit_log"));
    }

    [Fact]
    public async Task The_request_role_appends_to_the_audit_trail_and_reads_it()
    {
        await using var connection = await AdminConnection();
        var id = await connection.QuerySingleAsync<long>(
            "INSERT INTO audit_log (action, resource, resource_id, role) VALUES ('read', 'case', 'x', 'system') RETURNING id");

        Assert.Equal("x", await app.QuerySingleAsync<string>("SELECT resource_id FROM audit_log WHERE id = @id", new { id }));
    }
}
