using Registry.Api.Analytics;
using Registry.Api.Cases;
using Registry.Api.Drugs;
using Registry.Api.Outcomes;
using Registry.Api.Patients;

namespace Registry.Tests.Analytics;

/// <summary>Five known cases in a hospital of their own, created once for the class; reports are scoped to it.</summary>
public sealed class KnownRegistry : IAsyncLifetime
{
    public RegistryApp App { get; } = new();
    public Guid Hospital { get; private set; }

    public async Task InitializeAsync()
    {
        await App.InitializeAsync();
        var client = App.CreateClient();
        Hospital = await client.CreateHospitalAsync("Known Registry Hospital");
        // A: resolved (first improved day 4); B: unchanged; C: marked improvement day 6; D: never assessed; E: no drugs.
        await client.CreateCaseAsync(CaseDocuments.Document(Hospital, "A", Sex.Female, 35, "2019-04", side: AffectedSide.Right,
            drugs: ["gabapentin", "thiamine"], outcomes: [(4, OutcomeStatus.Improved), (30, OutcomeStatus.Resolved)]));
        await client.CreateCaseAsync(CaseDocuments.Document(Hospital, "B", Sex.Male, 52, "2019-11",
            drugs: ["thiamine", "gabapentin"], outcomes: [(10, OutcomeStatus.Unchanged)]));
        await client.CreateCaseAsync(CaseDocuments.Document(Hospital, "C", Sex.Female, 58, "2021-02-03",
            drugs: ["gabapentin"], outcomes: [(6, OutcomeStatus.MarkedImprovement)]));
        await client.CreateCaseAsync(CaseDocuments.Document(Hospital, "D", Sex.Male, 81, "2022", side: AffectedSide.Bilateral,
            drugs: ["carbamazepine"], outcomes: []));
        await client.CreateCaseAsync(CaseDocuments.Document(Hospital, "E", Sex.Female, 17, "2021-06",
            drugs: [], outcomes: [(12, OutcomeStatus.Improved)]));
    }

    public async Task DisposeAsync() => await ((IAsyncLifetime)App).DisposeAsync();
}

public sealed class ScaleAnalyticsTests(KnownRegistry known) : IClassFixture<KnownRegistry>
{
    private readonly HttpClient _client = known.App.CreateClient();

    private async Task<T> Get<T>(string path, string query = "") =>
        await (await _client.GetAsync($"/api/v1/analytics/{path}?hospitalId={known.Hospital}{query}")).ReadAs<T>(HttpStatusCode.OK);

    [Fact]
    public async Task Outcomes_by_drug_give_the_wilson_interval_of_the_improved_or_better_share()
    {
        var report = await Get<OutcomesByDrugReport>("outcomes-by-drug");

        Assert.Equal(5, report.TotalCases);
        Assert.Equal(["gabapentin", "thiamine", "carbamazepine"], report.Drugs.Select(d => d.Drug));
        var gabapentin = report.Drugs[0];
        Assert.Equal((3, 2, 0.6667, 5.0), (gabapentin.Cases, gabapentin.ImprovedOrBetter, gabapentin.ImprovedOrBetterShare, gabapentin.MedianDaysToFirstImprovement));
        Assert.Equal(new FinalOutcomeCounts(1, 1, 0, 1, 0, 0), gabapentin.FinalOutcomes);
        Assert.Equal(new ConfidenceInterval(0.2077, 0.9385), gabapentin.ImprovedOrBetterCi95);
        var thiamine = report.Drugs[1];
        Assert.Equal((2, 0.5, 4.0), (thiamine.Cases, thiamine.ImprovedOrBetterShare, thiamine.MedianDaysToFirstImprovement));
        Assert.Equal(new ConfidenceInterval(0.0945, 0.9055), thiamine.ImprovedOrBetterCi95);
        var carbamazepine = report.Drugs[2];
        Assert.Equal((1, 1), (carbamazepine.Cases, carbamazepine.FinalOutcomes.NotAssessed));
        Assert.Null(carbamazepine.ImprovedOrBetterShare);
        Assert.Null(carbamazepine.ImprovedOrBetterCi95);
        Assert.Null(carbamazepine.MedianDaysToFirstImprovement);
    }

    [Fact]
    public async Task Outcomes_by_combination_count_each_case_once_under_its_exact_set_of_drugs()
    {
        var report = await Get<OutcomesByCombinationReport>("outcomes-by-combination");

        Assert.Equal((5, 1), (report.TotalCases, report.CasesWithoutDrugs));
        Assert.Equal([["gabapentin", "thiamine"], ["carbamazepine"], ["gabapentin"]], report.Combinations.Select(c => c.Drugs));
        var pair = report.Combinations[0];
        Assert.Equal((2, 1, 0.5, 4.0), (pair.Cases, pair.ImprovedOrBetter, pair.ImprovedOrBetterShare, pair.MedianDaysToFirstImprovement));
        Assert.Equal(new FinalOutcomeCounts(1, 0, 0, 1, 0, 0), pair.FinalOutcomes);
        Assert.Equal(new ConfidenceInterval(0.0945, 0.9055), pair.ImprovedOrBetterCi95);
        Assert.Null(report.Combinations[1].ImprovedOrBetterCi95);
        var gabapentinAlone = report.Combinations[2];
        Assert.Equal((1, 1.0, 6.0), (gabapentinAlone.FinalOutcomes.MarkedImprovement, gabapentinAlone.ImprovedOrBetterShare, gabapentinAlone.MedianDaysToFirstImprovement));
        Assert.Equal(new ConfidenceInterval(0.2065, 1.0), gabapentinAlone.ImprovedOrBetterCi95);
    }

    [Fact]
    public async Task Outcomes_by_combination_apply_the_case_filters()
    {
        var report = await Get<OutcomesByCombinationReport>("outcomes-by-combination", "&sex=female&drug=gabapentin");

        Assert.Equal((2, 0), (report.TotalCases, report.CasesWithoutDrugs));
        Assert.Equal([["gabapentin"], ["gabapentin", "thiamine"]], report.Combinations.Select(c => c.Drugs));
        Assert.All(report.Combinations, c => Assert.Equal(1, c.Cases));
    }

    [Fact]
    public async Task The_summary_counts_cases_by_sex_age_band_side_etiology_hospital_and_year()
    {
        var summary = await Get<RegistrySummaryReport>("summary");

        Assert.Equal(5, summary.TotalCases);
        Assert.Equal([new("female", 3), new("male", 2)], summary.BySex);
        Assert.Equal([new("0-17", 1), new("30-39", 1), new("50-59", 2), new("80+", 1)], summary.ByAgeBand);
        Assert.Equal([new("left", 3), new("bilateral", 1), new("right", 1)], summary.BySide);
        Assert.Equal([new ValueCount("post-inflammatory", 5)], summary.ByEtiology);
        Assert.Equal([new HospitalCount(known.Hospital, "Known Registry Hospital", 5)], summary.ByHospital);
        Assert.Equal([new(2019, 2), new(2021, 2), new(2022, 1)], summary.ByYear);
    }

    [Fact]
    public async Task The_summary_applies_the_case_filters()
    {
        var summary = await Get<RegistrySummaryReport>("summary", "&minAge=50&from=2020");

        Assert.Equal(2, summary.TotalCases);
        Assert.Equal([new ValueCount("50-59", 1), new ValueCount("80+", 1)], summary.ByAgeBand);
        Assert.Equal([new YearCount(2021, 1), new YearCount(2022, 1)], summary.ByYear);
    }

    [Theory]
    [InlineData("outcomes-by-combination?minAge=200&side=up", "minAge", "side")]
    [InlineData("summary?sex=x&from=2019-13", "sex", "from")]
    [InlineData("summary?drug=carbamazepin", "drug")]
    public async Task Bad_filters_on_the_new_reports_are_400_problems_naming_each_field(string query, params string[] fields)
    {
        await (await _client.GetAsync($"/api/v1/analytics/{query}")).ReadValidationProblem(fields);
    }

    [Theory]
    [InlineData(2, 3, 0.2077, 0.9385)]
    [InlineData(0, 1, 0.0, 0.7935)]
    [InlineData(3, 4, 0.3006, 0.9544)]
    public void Wilson_intervals_match_the_published_formula(int successes, int trials, double low, double high) =>
        Assert.Equal(new ConfidenceInterval(low, high), ConfidenceInterval.Wilson(successes, trials));
}
