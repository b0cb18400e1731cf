using Microsoft.AspNetCore.Hosting;
using Registry.Api.Analytics;
using Registry.Api.Outcomes;

namespace Registry.Tests.Analytics;

public sealed class TimeToImprovementTests(RegistryApp app) : ApiTests(app)
{
    /// <summary>
    /// The Freireich et al. (1963) 6-MP leukaemia remission trial, as tabulated in Klein &amp; Moeschberger, Survival
    /// Analysis (2nd ed., 2003), section 1.2, Table 1.1 (also Kalbfleisch &amp; Prentice, 2002, Table 1.1): weeks in
    /// remission, + marks a censored time. Here a relapse is "first improvement" and each arm is a drug: gabapentin
    /// stands for 6-MP, thiamine for placebo.
    /// </summary>
    private static readonly string[] SixMp = ["6", "6", "6", "6+", "7", "9+", "10", "10+", "11+", "13", "16", "17+", "19+", "20+", "22", "23", "25+", "32+", "32+", "34+", "35+"];
    private static readonly string[] Placebo = ["1", "1", "2", "2", "3", "4", "4", "5", "5", "8", "8", "8", "8", "11", "11", "12", "12", "15", "17", "22", "23"];

    [Fact]
    public async Task Kaplan_Meier_curves_median_and_log_rank_match_the_published_6MP_leukaemia_analysis()
    {
        var hospital = await Client.CreateHospitalAsync("6-MP trial");
        foreach (var (arm, drug) in new[] { (SixMp, "gabapentin"), (Placebo, "thiamine") })
            for (var i = 0; i < arm.Length; i++)
            {
                var censored = arm[i].EndsWith('+');
                var day = int.Parse(arm[i].TrimEnd('+'));
                await Client.CreateCaseAsync(CaseDocuments.Document(hospital, pseudonym: $"{drug}-{i}", drugs: [drug],
                    outcomes: [(day, censored ? OutcomeStatus.Unchanged : OutcomeStatus.Improved)]));
            }

        var report = await (await Client.GetAsync($"/api/v1/analytics/time-to-improvement?hospitalId={hospital}&groupBy=combination"))
            .ReadAs<TimeToImprovementReport>(HttpStatusCode.OK);

        Assert.Equal(42, report.TotalCases);
        var sixMp = report.Groups.Single(g => g.Key == "gabapentin");
        Assert.Equal((21, 9, 12), (sixMp.Cases, sixMp.Improved, sixMp.Censored));
        // K&M Table 4.1A (Example 4.1): the product-limit estimate at each relapse time, published to 3 decimals
        // (0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448); the 4 decimals are the exact products (18/21, then
        // × 16/17, × 14/15, × 11/12, × 10/11, × 6/7, × 5/6). The log-log bounds follow K&M eq. 4.3.2 from the
        // table's Greenwood variances (standard errors 0.076, 0.087, 0.096, 0.107, 0.114, 0.128, 0.135).
        var events = sixMp.Curve.Where(s => s.Events > 0).ToList();
        Assert.Equal([6, 7, 10, 13, 16, 22, 23], events.Select(s => s.Day));
        Assert.Equal([21, 17, 15, 12, 11, 7, 6], events.Select(s => s.AtRisk));
        Assert.Equal([0.8571, 0.8067, 0.7529, 0.6902, 0.6275, 0.5378, 0.4482], events.Select(s => s.Survival));
        Assert.Equal([0.6197, 0.5631, 0.5032, 0.4316, 0.3675, 0.2678, 0.1881], events.Select(s => s.Low!.Value));
        Assert.Equal([0.9516, 0.9228, 0.8894, 0.8491, 0.8049, 0.7468, 0.6801], events.Select(s => s.High!.Value));
        Assert.Equal(new SurvivalStep(6, 21, 3, 1, 0.8571, 0.6197, 0.9516), sixMp.Curve[0]);
        Assert.Equal(new SurvivalStep(32, 4, 0, 2, 0.4482, 0.1881, 0.6801), sixMp.Curve.Single(s => s.Day == 32));
        // Median 23 weeks (K&M Example 4.2 reads it off the same table); Brookmeyer–Crowley lower limit 13: the
        // first time the lower band is at or below 0.5 (0.4316); the upper band never falls to 0.5.
        Assert.Equal(new MedianEstimate(23, 13, null, sixMp.Median.Reason), sixMp.Median);
        Assert.NotNull(sixMp.Median.Reason);
        Assert.Equal(new Milestone(7, 17, 0.1933, 0.0772, 0.4369, null), sixMp.Milestones[0]);
        Assert.Equal((30, 4, 0.5518), (sixMp.Milestones[2].Day, sixMp.Milestones[2].AtRisk, sixMp.Milestones[2].ShareImproved));
        Assert.Equal((60, 0, (double?)null), (sixMp.Milestones[3].Day, sixMp.Milestones[3].AtRisk, sixMp.Milestones[3].ShareImproved));

        var placebo = report.Groups.Single(g => g.Key == "thiamine");
        Assert.Equal([0.9048, 0.8095, 0.7619, 0.6667, 0.5714, 0.381, 0.2857, 0.1905, 0.1429, 0.0952, 0.0476, 0], placebo.Curve.Select(s => s.Survival));
        Assert.Equal(new MedianEstimate(8, 4, 11, null), placebo.Median);
        Assert.Equal((null, null), (placebo.Curve[^1].Low, placebo.Curve[^1].High));

        // The log-rank test: K&M Example 7.2 and R's survdiff on these data give chi-square 16.79 (O = 9, E = 19.25
        // for 6-MP; variance 6.2570) on 1 degree of freedom, p = 4.17e-05.
        Assert.Equal((16.7929, 1), (report.LogRank.ChiSquare, report.LogRank.DegreesOfFreedom));
        Assert.Equal(4.17e-5, report.LogRank.P!.Value, 1e-7);
        Assert.Null(report.LogRank.Reason);
    }

    [Fact]
    public async Task Hand_counted_curve_censors_at_the_last_assessment_or_day_0_and_follows_every_case_of_each_drug()
    {
        var hospital = await Client.CreateHospitalAsync("Hand counted");
        await Create(hospital, "H1", ["baclofen"], [(2, OutcomeStatus.Improved)]);                              // event day 2
        await Create(hospital, "H2", ["baclofen"], [(1, OutcomeStatus.Unchanged), (5, OutcomeStatus.Worsened)]); // censored day 5
        await Create(hospital, "H3", ["baclofen"], []);                                                          // censored day 0
        await Create(hospital, "H4", ["baclofen", "thiamine"], [(4, OutcomeStatus.Unchanged), (10, OutcomeStatus.Resolved)]); // event day 10

        var report = await Get<TimeToImprovementReport>($"/api/v1/analytics/time-to-improvement?hospitalId={hospital}");

        // Day 0: 4 at risk, 1 censored. Day 2: 3 at risk, 1 event: S = 2/3. Day 5: 2 at risk, 1 censored.
        // Day 10: 1 at risk, 1 event: S = 0.
        var baclofen = report.Groups[0];
        Assert.Equal(("baclofen", 4, 2, 2), (baclofen.Key, baclofen.Cases, baclofen.Improved, baclofen.Censored));
        Assert.Equal([(0, 4, 0, 1, 1.0), (2, 3, 1, 0, 0.6667), (5, 2, 0, 1, 0.6667), (10, 1, 1, 0, 0.0)],
            baclofen.Curve.Select(s => (s.Day, s.AtRisk, s.Events, s.Censored, s.Survival)));
        Assert.Equal(10, baclofen.Median.Day);
        Assert.Equal([(7, 1, 0.3333), (14, 0, null)], baclofen.Milestones.Take(2).Select(m => (m.Day, m.AtRisk, m.ShareImproved)));
        var thiamine = report.Groups[1];
        Assert.Equal(("thiamine", 1), (thiamine.Key, thiamine.Cases));
        Assert.Equal([(10, 1, 1, 0, 0.0)], thiamine.Curve.Select(s => (s.Day, s.AtRisk, s.Events, s.Censored, s.Survival)));
        Assert.Equal(["baclofen", "thiamine"], report.LogRank.Groups);
        Assert.Contains("not independent", report.LogRank.Reason);

        // days=8 cuts follow-up: the day-10 improvement becomes a censoring at day 8, so the median is not reached.
        var cut = await Get<TimeToImprovementReport>($"/api/v1/analytics/time-to-improvement?hospitalId={hospital}&days=8");
        Assert.Equal([(0, 4, 0, 1, 1.0), (2, 3, 1, 0, 0.6667), (5, 2, 0, 1, 0.6667), (8, 1, 0, 1, 0.6667)],
            cut.Groups[0].Curve.Select(s => (s.Day, s.AtRisk, s.Events, s.Censored, s.Survival)));
        Assert.Null(cut.Groups[0].Median.Day);
        Assert.Contains("does not fall to 0.5", cut.Groups[0].Median.Reason);
    }

    [Fact]
    public async Task Analysts_get_pooled_steps_and_curves_cut_where_fewer_than_k_are_at_risk_admins_get_every_day()
    {
        var hospital = await Client.CreateHospitalAsync("Small cells KM");
        // levetiracetam, 12 cases: 5 improve on day 2, 2 on day 4, 3 on day 6, 2 are last seen unchanged on day 8.
        var days = Enumerable.Repeat(2, 5).Concat(Enumerable.Repeat(4, 2)).Concat(Enumerable.Repeat(6, 3)).ToList();
        for (var i = 0; i < days.Count; i++) await Create(hospital, $"K{i}", ["levetiracetam"], [(days[i], OutcomeStatus.Improved)]);
        for (var i = 0; i < 2; i++) await Create(hospital, $"KC{i}", ["levetiracetam"], [(8, OutcomeStatus.Unchanged)]);
        // clonazepam, 3 cases: fewer than k.
        for (var i = 0; i < 3; i++) await Create(hospital, $"KS{i}", ["clonazepam"], [(3, OutcomeStatus.Improved)]);
        await using var withK = app.WithWebHostBuilder(b => b.UseSetting("Registry:Analytics:MinCellSize", "5"));
        var url = $"/api/v1/analytics/time-to-improvement?hospitalId={hospital}";

        var analyst = await (await withK.CreateClient().WithKey(DevelopmentKeys.Analyst).GetAsync(url)).ReadAs<TimeToImprovementReport>(HttpStatusCode.OK);
        var admin = await (await withK.CreateClient().WithKey(DevelopmentKeys.Admin).GetAsync(url)).ReadAs<TimeToImprovementReport>(HttpStatusCode.OK);

        var pooled = analyst.Groups.Single(g => g.Key == "levetiracetam");
        // Day 2 shows 5 events; days 4 and 6 pool into one step of 5 events from 7 at risk (S = 7/12 × 5/7 × 2/5);
        // day 8 has 2 at risk: the curve stops there, and the censored total (2) is suppressed.
        Assert.Equal([(2, 12, 5, 0, 0.5833), (6, 7, 5, 0, 0.1667)], pooled.Curve.Select(s => (s.Day, s.AtRisk, s.Events, s.Censored, s.Survival)));
        Assert.Equal((12, 10, (int?)null), (pooled.Cases, pooled.Improved, pooled.Censored));
        Assert.Contains("cut at day 8", pooled.Reason);
        // Day 7: 2 at risk (suppressed); the share improved is read off the pooled curve (1 − 1/6).
        Assert.Equal((7, (int?)null, 0.8333), (pooled.Milestones[0].Day, pooled.Milestones[0].AtRisk, pooled.Milestones[0].ShareImproved));
        var small = analyst.Groups.Single(g => g.Key == "clonazepam");
        Assert.Equal(((int?)null, 0, (int?)null), (small.Cases, small.Curve.Count, small.Median.Day));
        Assert.Contains("Fewer than k", small.Reason);
        Assert.Equal(["levetiracetam"], analyst.LogRank.Groups);
        Assert.Null(analyst.LogRank.ChiSquare);
        Assert.Equal(5, analyst.MinCellSize);

        var exact = admin.Groups.Single(g => g.Key == "levetiracetam");
        Assert.Equal([(2, 12, 5), (4, 7, 2), (6, 5, 3), (8, 2, 0)], exact.Curve.Select(s => (s.Day, s.AtRisk, s.Events)));
        Assert.Equal(3, admin.Groups.Single(g => g.Key == "clonazepam").Cases);
        Assert.NotNull(admin.LogRank.ChiSquare);
    }

    [Fact]
    public async Task Bad_parameters_are_400_problems_naming_each()
    {
        await (await Client.GetAsync("/api/v1/analytics/time-to-improvement?groupBy=sex&format=gif&days=3651&drug=unobtainium"))
            .ReadValidationProblem("groupBy", "format", "days", "drug");
        await (await Client.GetAsync("/api/v1/analytics/time-to-improvement?days=-1")).ReadValidationProblem("days");
    }

    [Fact]
    public async Task No_matching_cases_give_an_empty_report_with_the_test_explained()
    {
        var report = await Get<TimeToImprovementReport>($"/api/v1/analytics/time-to-improvement?hospitalId={Guid.NewGuid()}");

        Assert.Equal((0, 0), (report.TotalCases, report.Groups.Count));
        Assert.Equal("Needs at least two groups with cases.", report.LogRank.Reason);
    }

    private async Task<T> Get<T>(string url) => await (await Client.GetAsync(url)).ReadAs<T>(HttpStatusCode.OK);

    private Task Create(Guid hospital, string pseudonym, string[] drugs, (int, OutcomeStatus)[] outcomes) =>
        Client.CreateCaseAsync(CaseDocuments.Document(hospital, pseudonym: pseudonym, drugs: drugs, outcomes: outcomes));
}
