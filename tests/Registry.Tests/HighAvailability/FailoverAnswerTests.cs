using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Registry.Api.Security;
using Registry.Api.Data;

namespace Registry.Tests.HighAvailability;

/// <summary>
/// Issue 14: during a failover a write can reach a node that is still read-only (Patroni restarts a crashed primary
/// read-only before promoting it; HAProxy needs a check interval to notice). That is the database being
/// unavailable — 503 with Retry-After, nothing stored — never a 500.
/// </summary>
public sealed class FailoverAnswerTests(RegistryApp app) : ApiTests(app)
{
    [Fact]
    public async Task A_write_that_reaches_a_read_only_node_answers_503_with_retry_after_and_stores_nothing()
    {
        var database = new NpgsqlConnectionStringBuilder(app.ConnectionString).Database;
        await app.ExecuteAsync($"ALTER DATABASE {database} SET default_transaction_read_only = on");
        try
        {
            app.Services.GetRequiredService<RegistryConnections>().Clear(); // new connections: read-only, as on a standby

            var response = await Client.PostAsJson("/api/v1/cases",
                CaseDocuments.Document(KeyBootstrap.TiantanHospital, pseudonym: "RO-1", sourceCaseId: "READ-ONLY-1"));

            var problem = await response.ReadProblem(HttpStatusCode.ServiceUnavailable);
            Assert.Equal("Database unavailable.", problem.GetProperty("title").GetString());
            Assert.NotNull(response.Headers.RetryAfter);
        }
        finally
        {
            // Read-write explicitly: a pooled connection may have been replaced meanwhile (another class's outage
            // test clears the pools), and a new one starts read-only like the write it prepared.
            await app.ExecuteAsync($"BEGIN; SET TRANSACTION READ WRITE; ALTER DATABASE {database} RESET default_transaction_read_only; COMMIT");
        }
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM cases WHERE source_case_id = 'READ-ONLY-1'"));
    }
}
