using Microsoft.AspNetCore.Hosting;
using Npgsql;

namespace Registry.Tests.Security;

public sealed class LimitsTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Fact]
    public async Task A_body_over_one_mebibyte_is_413_problem_and_stores_nothing()
    {
        var before = await app.QuerySingleAsync<long>("SELECT count(*) FROM hospitals");
        var body = $$"""{"name":"{{new string('x', 1024 * 1024)}}"}""";

        var response = await app.CreateClient().PostJson("/api/v1/hospitals", body);

        await response.ReadProblem(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(before, await app.QuerySingleAsync<long>("SELECT count(*) FROM hospitals"));
    }

    [Fact]
    public async Task A_key_over_its_rate_is_429_with_retry_after_while_other_keys_go_on()
    {
        await using var limited = app.WithWebHostBuilder(b => b
            .UseSetting("Registry:RateLimit:PerSecond", "1").UseSetting("Registry:RateLimit:Burst", "3"));
        var busy = limited.CreateClient();
        var other = limited.CreateClient();
        other.DefaultRequestHeaders.Authorization = new("Bearer", DevelopmentKeys.Analyst);

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++) answers.Add(await busy.GetAsync("/api/v1/vocabulary"));
        var otherAnswer = await other.GetAsync("/api/v1/vocabulary");

        var rejected = answers.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        await rejected.ReadProblem(HttpStatusCode.TooManyRequests);
        Assert.True(int.Parse(Assert.Single(rejected.Headers.GetValues("Retry-After"))) >= 1);
        Assert.Equal(HttpStatusCode.OK, answers[0].StatusCode);
        Assert.Equal(HttpStatusCode.OK, otherAnswer.StatusCode);
    }

    [Fact]
    public async Task A_query_running_past_the_statement_timeout_is_503_not_a_hang()
    {
        await using var strict = app.WithWebHostBuilder(b => b.UseSetting("Registry:Database:StatementTimeoutSeconds", "1"));
        var client = strict.CreateClient();
        await client.GetAsync("/health/ready");
        // Another session holds the cases table, so the list query waits until PostgreSQL cancels it.
        await using var blocker = new NpgsqlConnection(app.ConnectionString);
        await blocker.OpenAsync();
        await using var transaction = await blocker.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE cases IN ACCESS EXCLUSIVE MODE", blocker, transaction))
            await lockTable.ExecuteNonQueryAsync();

        var response = await client.GetAsync("/api/v1/cases");

        await response.ReadProblem(HttpStatusCode.ServiceUnavailable);
        Assert.True(response.Headers.RetryAfter is not null);
        await transaction.RollbackAsync();
    }
}
