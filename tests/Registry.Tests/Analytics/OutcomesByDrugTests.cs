using Registry.Api.Analytics;
using Registry.Api.Drugs;
using Registry.Api.Outcomes;
using Registry.Api.Patients;

namespace Registry.Tests.Analytics;

public sealed class OutcomesByDrugTests(RegistryApp app) : ApiTests(app)
{
    [Fact]
    public async Task Counts_final_outcomes_shares_and_medians_per_drug()
    {
        var hospital = await Client.CreateHospitalAsync();
        // gabapentin: resolved (first improved day 4), resolved (first improved day 10), unchanged, not assessed.
        await Create(hospital, "G1", Sex.Male, ["gabapentin"], [(4, OutcomeStatus.Improved), (30, OutcomeStatus.Resolved)]);
        await Create(hospital, "G2", Sex.Female, ["gabapentin", "thiamine"], [(10, OutcomeStatus.Resolved)]);
        await Create(hospital, "G3", Sex.Male, ["gabapentin"], [(7, OutcomeStatus.Unchanged)]);
        await Create(hospital, "G4", Sex.Male, ["gabapentin"], []);
        // carbamazepine: improved then worsened (final worsened, first improvement day 3).
        await Create(hospital, "C1", Sex.Female, ["carbamazepine"], [(3, OutcomeStatus.Improved), (20, OutcomeStatus.Worsened)]);

        var report = await (await Client.GetAsync($"/api/v1/analytics/outcomes-by-drug?hospitalId={hospital}"))
            .ReadAs<OutcomesByDrugReport>(HttpStatusCode.OK);

        Assert.Equal(5, report.TotalCases);
        Assert.Equal(["gabapentin", "carbamazepine", "thiamine"], report.Drugs.Select(d => d.Drug));
        var gabapentin = report.Drugs[0];
        Assert.Equal(4, gabapentin.Cases);
        Assert.Equal(new FinalOutcomeCounts(2, 0, 0, 1, 0, 1), gabapentin.FinalOutcomes);
        Assert.Equal(2, gabapentin.ImprovedOrBetter);
        Assert.Equal(0.6667, gabapentin.ImprovedOrBetterShare);
        Assert.Equal(7.0, gabapentin.MedianDaysToFirstImprovement);
        Assert.Equal(("N03AX12", "anticonvulsant"), (gabapentin.AtcCode, gabapentin.DrugClass));
        var carbamazepine = report.Drugs[1];
        Assert.Equal((1, 0, 0.0, 3.0), (carbamazepine.Cases, carbamazepine.ImprovedOrBetter, carbamazepine.ImprovedOrBetterShare, carbamazepine.MedianDaysToFirstImprovement));
    }

    [Fact]
    public async Task Filters_narrow_the_cases_counted()
    {
        var hospital = await Client.CreateHospitalAsync("Filtered");
        await Create(hospital, "F1", Sex.Female, ["estazolam"], [(8, OutcomeStatus.MarkedImprovement)]);
        await Create(hospital, "M1", Sex.Male, ["estazolam"], [(8, OutcomeStatus.Worsened)]);

        var report = await (await Client.GetAsync($"/api/v1/analytics/outcomes-by-drug?hospitalId={hospital}&sex=female"))
            .ReadAs<OutcomesByDrugReport>(HttpStatusCode.OK);

        var estazolam = Assert.Single(report.Drugs);
        Assert.Equal((1, 1, 1.0), (estazolam.Cases, estazolam.FinalOutcomes.MarkedImprovement, estazolam.ImprovedOrBetterShare));
    }

    [Fact]
    public async Task No_matching_cases_give_an_empty_report_not_an_error()
    {
        var report = await (await Client.GetAsync($"/api/v1/analytics/outcomes-by-drug?hospitalId={Guid.NewGuid()}"))
            .ReadAs<OutcomesByDrugReport>(HttpStatusCode.OK);

        Assert.Equal((0, 0), (report.TotalCases, report.Drugs.Count));
    }

    [Fact]
    public async Task Bad_filters_are_400_problems()
    {
        await (await Client.GetAsync("/api/v1/analytics/outcomes-by-drug?minAge=200&outcome=cured"))
            .ReadValidationProblem("minAge", "outcome");
    }

    private Task Create(Guid hospital, string pseudonym, Sex sex, string[] drugs, (int, OutcomeStatus)[] outcomes) =>
        Client.CreateCaseAsync(CaseDocuments.Document(hospital, pseudonym: pseudonym, sex: sex, drugs: drugs, outcomes: outcomes));
}
