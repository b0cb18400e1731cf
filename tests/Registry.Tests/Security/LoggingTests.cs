using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Registry.Api.Security;

namespace Registry.Tests.Security;

public sealed class LoggingTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Fact]
    public async Task Log_lines_carry_the_request_id_and_never_a_pseudonym()
    {
        var logs = new CapturingLogs();
        await using var logged = app.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<ILoggerProvider>(logs)));
        var client = logged.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", DevelopmentKeys.Admin);

        var created = await client.CreateCaseAsync(CaseDocuments.Document(KeyBootstrap.TiantanHospital, pseudonym: "SECRET-PSEUDONYM-7f3a", sourceCaseId: "LOG-1"));
        await client.PostAsJson("/api/v1/cases", CaseDocuments.Document(KeyBootstrap.TiantanHospital, pseudonym: "SECRET-PSEUDONYM-7f3a", sourceCaseId: "LOG-1"));
        var malformed = await client.PostJson("/api/v1/cases", """{"patient": {"pseudonym": "SECRET-PSEUDONYM-7f3a",""");

        await malformed.ReadProblem(HttpStatusCode.BadRequest);
        var requestId = Assert.Single(malformed.Headers.GetValues("X-Request-Id"));
        Assert.Contains(logs.Lines, line => line.Contains(requestId));
        Assert.DoesNotContain(logs.Lines, line => line.Contains("SECRET-PSEUDONYM-7f3a"));
        Assert.NotEqual(Guid.Empty, created.Id);
    }
}
