using Microsoft.AspNetCore.Hosting;
using Registry.Api.Analytics;
using Registry.Api.Outcomes;
using Registry.Api.Patients;

namespace Registry.Tests.Analytics;

public sealed class DrugComparisonTests(RegistryApp app) : ApiTests(app)
{
    /// <summary>
    /// baclofen given: men 3 of 4 improved, women 2 of 2; not given (clonazepam): men 1 of 3 (and one man never
    /// assessed), women 1 of 4. Overall 5/6 against 2/7.
    /// </summary>
    private async Task<Guid> CreateTrialAsync(string name)
    {
        var hospital = await Client.CreateHospitalAsync(name);
        var n = 0;
        async Task Add(Sex sex, string drug, int improved, int unchanged, int age)
        {
            for (var i = 0; i < improved + unchanged; i++)
                await Client.CreateCaseAsync(CaseDocuments.Document(hospital, pseudonym: $"{name}-{n++}", sex: sex, age: age, drugs: [drug],
                    outcomes: [(14, i < improved ? OutcomeStatus.Improved : OutcomeStatus.Unchanged)]));
        }
        await Add(Sex.Male, "baclofen", 3, 1, 45);
        await Add(Sex.Female, "baclofen", 2, 0, 62);
        await Add(Sex.Male, "clonazepam", 1, 2, 45);
        await Add(Sex.Female, "clonazepam", 1, 3, 62);
        await Client.CreateCaseAsync(CaseDocuments.Document(hospital, pseudonym: $"{name}-unassessed", sex: Sex.Male, drugs: ["clonazepam"], outcomes: []));
        return hospital;
    }

    [Fact]
    public async Task Compares_cases_given_a_drug_with_the_rest_by_hand_counted_figures_and_Fisher_when_cells_are_small()
    {
        var hospital = await CreateTrialAsync("Compare");

        var report = await Get($"/api/v1/analytics/drug-comparison?drug=baclofen&hospitalId={hospital}");

        // 5/6 = 0.8333 against 2/7 = 0.2857: RD 0.5476 ± 1.96·√(5/6·1/6/6 + 2/7·5/7/7); RR 35/12 = 2.9167 with
        // exp(± 1.96·√(1/5 − 1/6 + 1/2 − 1/7)). Expected improved among the given: 6·7/13 = 3.2 < 5, so Fisher:
        // with the margins fixed, p sums the hypergeometric probabilities of every a no likelier than a = 5: 0.1026.
        Assert.Equal("baclofen", report.Drug);
        Assert.Equal(new ComparisonArm(6, 6, 5, 0.8333, new FinalOutcomeCounts(0, 0, 5, 1, 0, 0)), report.Overall.Given);
        Assert.Equal((8, 7, 2, 0.2857, 1), (report.Overall.NotGiven.Cases, report.Overall.NotGiven.Assessed,
            report.Overall.NotGiven.ImprovedOrBetter, report.Overall.NotGiven.Risk, report.Overall.NotGiven.FinalOutcomes.NotAssessed));
        Assert.Equal(new EffectEstimate(0.5476, 0.0994, 0.9959), report.Overall.RiskDifference);
        Assert.Equal(new EffectEstimate(2.9167, 0.857, 9.9263), report.Overall.RelativeRisk);
        Assert.Equal("fisher-exact", report.Overall.Test!.Method);
        Assert.Equal(0.1026, Math.Round(report.Overall.Test.P, 4));
        Assert.Null(report.Overall.Test.ChiSquare);
        Assert.Empty(report.Strata);
        Assert.Null(report.MantelHaenszelRelativeRisk);
    }

    [Fact]
    public async Task Stratifying_by_sex_compares_within_each_sex_and_pools_the_relative_risk_by_Mantel_Haenszel()
    {
        var hospital = await CreateTrialAsync("Strata");

        var report = await Get($"/api/v1/analytics/drug-comparison?drug=baclofen&hospitalId={hospital}&stratifyBy=sex");

        Assert.Equal("sex", report.StratifiedBy);
        Assert.Equal(["female", "male"], report.Strata.Select(s => s.Value));
        var female = report.Strata[0].Comparison;
        Assert.Equal((1.0, 0.25), (female.Given.Risk, female.NotGiven.Risk));
        Assert.Equal(new EffectEstimate(0.75, 0.3257, 1.1743), female.RiskDifference);
        Assert.Equal(new EffectEstimate(4, 0.7327, 21.8385), female.RelativeRisk);
        Assert.Equal(0.4, Math.Round(female.Test!.P, 4));
        var male = report.Strata[1].Comparison;
        Assert.Equal(new EffectEstimate(2.25, 0.4121, 12.2841), male.RelativeRisk);
        // RR_MH = (3·3/7 + 2·4/6) ÷ (1·4/7 + 1·2/6) = 2.8947; Greenland–Robins variance of its log.
        Assert.Equal(new EffectEstimate(2.8947, 0.8742, 9.5855), report.MantelHaenszelRelativeRisk);
        Assert.Null(report.MantelHaenszelReason);

        var byAge = await Get($"/api/v1/analytics/drug-comparison?drug=baclofen&hospitalId={hospital}&stratifyBy=ageBand");
        Assert.Equal(["40-49", "60-69"], byAge.Strata.Select(s => s.Value));
        Assert.Equal(report.MantelHaenszelRelativeRisk, byAge.MantelHaenszelRelativeRisk); // the same people: men are 45, women 62
    }

    [Fact]
    public async Task Analysts_see_no_count_below_k_nor_any_estimate_or_p_derived_from_one()
    {
        var hospital = await CreateTrialAsync("Suppressed");
        await using var withK = app.WithWebHostBuilder(b => b.UseSetting("Registry:Analytics:MinCellSize", "5"));
        var url = $"/api/v1/analytics/drug-comparison?drug=baclofen&hospitalId={hospital}&stratifyBy=sex";

        var analyst = await (await withK.CreateClient().WithKey(DevelopmentKeys.Analyst).GetAsync(url)).ReadAs<DrugComparisonReport>(HttpStatusCode.OK);
        var admin = await (await withK.CreateClient().WithKey(DevelopmentKeys.Admin).GetAsync(url)).ReadAs<DrugComparisonReport>(HttpStatusCode.OK);

        // 1 unchanged among the given and 2 improved among the rest are below 5: every estimate and p goes.
        Assert.Equal((6, 5, (int?)null, (double?)null), (analyst.Overall.Given.Cases, analyst.Overall.Given.ImprovedOrBetter,
            analyst.Overall.Given.FinalOutcomes.Unchanged, analyst.Overall.Given.Risk));
        Assert.Equal((null, null, null), (analyst.Overall.RiskDifference, analyst.Overall.RelativeRisk, analyst.Overall.Test));
        Assert.Contains("below k", analyst.Overall.Reason);
        Assert.Null(analyst.MantelHaenszelRelativeRisk);
        Assert.Contains("below k", analyst.MantelHaenszelReason);
        Assert.All(analyst.Strata, s => Assert.Null(s.Comparison.RelativeRisk));

        Assert.NotNull(admin.Overall.RelativeRisk);
        Assert.NotNull(admin.MantelHaenszelRelativeRisk);
    }

    [Fact]
    public async Task Bad_parameters_and_a_drug_no_case_carries_are_400_problems_naming_the_parameter()
    {
        var hospital = await CreateTrialAsync("Bad");

        await (await Client.GetAsync("/api/v1/analytics/drug-comparison")).ReadValidationProblem("drug");
        await (await Client.GetAsync("/api/v1/analytics/drug-comparison?drug=unobtainium&stratifyBy=height&format=gif"))
            .ReadValidationProblem("drug", "stratifyBy", "format");
        var problem = await (await Client.GetAsync($"/api/v1/analytics/drug-comparison?drug=levetiracetam&hospitalId={hospital}"))
            .ReadValidationProblem("drug");
        Assert.Contains("No case matching the filters was given 'levetiracetam'", problem.GetProperty("drug")[0].GetString());
    }

    private async Task<DrugComparisonReport> Get(string url) => await (await Client.GetAsync(url)).ReadAs<DrugComparisonReport>(HttpStatusCode.OK);
}
