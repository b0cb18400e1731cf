using Registry.Api.Health;

namespace Registry.Tests.Health;

public sealed class HealthApiTests(RegistryApp app) : ApiTests(app)
{
    [Fact]
    public async Task Liveness_answers_200_while_the_process_is_up()
    {
        var health = await (await Client.GetAsync("/health/live")).ReadAs<HealthEndpoints.HealthResponse>(HttpStatusCode.OK);

        Assert.Equal("live", health.Status);
    }

    [Fact]
    public async Task Readiness_answers_200_when_the_database_answers()
    {
        var health = await (await Client.GetAsync("/health/ready")).ReadAs<HealthEndpoints.HealthResponse>(HttpStatusCode.OK);

        Assert.Equal("ready", health.Status);
    }
}
