using Microsoft.AspNetCore.Hosting;
using Registry.Api.Analytics;
using Registry.Api.Drugs;
using Registry.Api.Outcomes;

namespace Registry.Tests.Security;

public sealed class SuppressionTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Fact]
    public async Task Analysts_see_small_counts_and_what_derives_from_them_as_suppressed_admins_see_numbers()
    {
        var admin = app.CreateClient();
        var hospital = await admin.CreateHospitalAsync("Small cells");
        // baclofen: 6 cases, 5 resolved and 1 worsened; clonazepam: 2 cases.
        for (var i = 0; i < 6; i++)
            await admin.CreateCaseAsync(CaseDocuments.Document(hospital, pseudonym: $"SC-{i}", drugs: ["baclofen"],
                outcomes: [(10, i < 5 ? OutcomeStatus.Resolved : OutcomeStatus.Worsened)]));
        for (var i = 0; i < 2; i++)
            await admin.CreateCaseAsync(CaseDocuments.Document(hospital, pseudonym: $"SC-C{i}", drugs: ["clonazepam"], outcomes: [(7, OutcomeStatus.Improved)]));
        await using var withK = app.WithWebHostBuilder(b => b.UseSetting("Registry:Analytics:MinCellSize", "5"));
        var url = $"/api/v1/analytics/outcomes-by-drug?hospitalId={hospital}";

        var asAnalyst = await (await Client(withK, DevelopmentKeys.Analyst).GetAsync(url)).ReadAs<OutcomesByDrugReport>(HttpStatusCode.OK);
        var asAdmin = await (await Client(withK, DevelopmentKeys.Admin).GetAsync(url)).ReadAs<OutcomesByDrugReport>(HttpStatusCode.OK);

        Assert.Equal(5, asAnalyst.MinCellSize);
        var baclofen = asAnalyst.Drugs.Single(d => d.Drug == "baclofen");
        Assert.Equal((6, 5, (int?)null), (baclofen.Cases, baclofen.FinalOutcomes.Resolved, baclofen.FinalOutcomes.Worsened));
        Assert.Equal(0, baclofen.FinalOutcomes.Unchanged);
        Assert.Null(baclofen.ImprovedOrBetterShare); // 5 of 6 would reveal the single worsened case
        var clonazepam = asAnalyst.Drugs.Single(d => d.Drug == "clonazepam");
        Assert.Equal(((int?)null, (int?)null, (double?)null, (double?)null),
            (clonazepam.Cases, clonazepam.FinalOutcomes.Improved, clonazepam.ImprovedOrBetterShare, clonazepam.MedianDaysToFirstImprovement));

        Assert.Equal(1, asAdmin.MinCellSize);
        Assert.Equal((2, 2, 1.0), (asAdmin.Drugs.Single(d => d.Drug == "clonazepam").Cases, asAdmin.Drugs.Single(d => d.Drug == "clonazepam").FinalOutcomes.Improved, asAdmin.Drugs.Single(d => d.Drug == "clonazepam").ImprovedOrBetterShare));
        Assert.Equal(1, asAdmin.Drugs.Single(d => d.Drug == "baclofen").FinalOutcomes.Worsened);
    }

    private static HttpClient Client(Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> factory, string key)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return client;
    }
}
