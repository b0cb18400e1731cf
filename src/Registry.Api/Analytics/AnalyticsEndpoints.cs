using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Registry.Api.Cases;
using Registry.Api.Common;
using Registry.Api.Data;

using Registry.Api.Security;

namespace Registry.Api.Analytics;

public static class AnalyticsEndpoints
{
    /// <summary>What the OpenAPI document shows for the plot media types.</summary>
    private static class PlotExample
    {
        public const string Svg = "<?xml version=\"1.0\" encoding=\"utf-8\" ?><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"960\" height=\"532\">…</svg>";
        public const string Png = "(a PNG image, 960 pixels wide)";
    }
    public static IServiceCollection AddAnalytics(this IServiceCollection services) =>
        services.AddScoped(provider => SmallCells.For(provider.GetRequiredService<Caller>(),
            provider.GetRequiredService<IConfiguration>(), provider.GetRequiredService<IHostEnvironment>()));

    public static RouteGroupBuilder MapAnalytics(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/analytics").WithTags("Analytics");

        group.MapGet("/outcomes-by-drug", OutcomesByDrug).WithName("OutcomesByDrug")
            .WithSummary("How patients on each drug fared")
            .WithDescription("""
                For the cases matching the filters (the same filters as `GET /cases`), one entry per drug given:
                the number of cases, the count of each final-outcome status (the latest assessment by day), the
                share improved-or-better among assessed cases, and the median day of first improvement. A case
                given several drugs counts once under each. Computed by PostgreSQL in one GROUP BY. Hospital keys see
                only their own cases. For analyst keys, counts from 1 to k−1 (`minCellSize`) are null — suppressed —
                and so is any share or median derived from them.
                """)
            .WithResponseExample(StatusCodes.Status200OK, new OutcomesByDrugReport(2,
            [
                new DrugOutcomes("thiamine", "Vitamin B1 (thiamine)", "A11DA01", "vitamin (neurotrophic)", 2,
                    new FinalOutcomeCounts(1, 1, 0, 0, 0, 0), 2, 1.0, new ConfidenceInterval(0.3424, 1.0), 6.5),
                new DrugOutcomes("gabapentin", "Gabapentin", "N03AX12", "anticonvulsant", 1,
                    new FinalOutcomeCounts(1, 0, 0, 0, 0, 0), 1, 1.0, new ConfidenceInterval(0.2065, 1.0), 5),
            ]));
        group.MapGet("/outcomes-by-combination", OutcomesByCombination).WithName("OutcomesByCombination")
            .WithSummary("How patients on each drug combination fared")
            .WithDescription("""
                For the cases matching the filters (the same filters as `GET /cases`), one entry per drug
                combination — the exact set of distinct drugs a case was given, so each case counts once — with
                the same outcome figures as outcomes-by-drug: the count of each final-outcome status, the share
                improved-or-better with its 95% Wilson interval, and the median day of first improvement. Cases
                without medications are counted in `casesWithoutDrugs`. One GROUP BY in PostgreSQL.
                """);
        group.MapGet("/summary", Summary).WithName("RegistrySummary")
            .WithSummary("Who is in the registry")
            .WithDescription("""
                The cases matching the filters (the same filters as `GET /cases`) counted by patient sex, age band
                at presentation (0-17, 18-29, then decades, 80+), affected side, etiology, hospital and year of
                presentation. Every breakdown sums to `totalCases`. One pass in PostgreSQL (GROUPING SETS).
                """);
        group.MapGet("/time-to-improvement", TimeToImprovement).WithName("TimeToImprovement")
            .WithSummary("Time to first improvement per drug or combination (Kaplan–Meier)")
            .WithDescription($$"""
                For the cases matching the filters (the same filters as `GET /cases`), one Kaplan–Meier curve per drug
                given (a case given several drugs is in several curves) or, with `groupBy=combination`, per exact set of
                drugs (each case in one). The event is a case's first assessment at improved or better; a case without
                one is censored at its last assessment day, or at day 0 without any assessment; `days` cuts follow-up.
                Per group: the step curve (day, at risk, events, censored, survival with its 95% log-log interval), the
                median day with its Brookmeyer–Crowley 95% interval, and the share improved and number at risk on days
                7, 14, 30, 60 and 90; across groups the log-rank test. Figures that cannot be estimated are null with a
                `reason`. For analyst keys no count from 1 to k−1 is shown: days are pooled into steps of 0 or at least
                k events and censored, each curve stops where fewer than k are at risk, and a group under k cases shows
                no figures. `format=svg` or `png` draws the curves (the {{AnalyticsPlots.MaxCurves}} largest groups)
                with 95% bands, censor ticks and the numbers at risk under the axis. One GROUP BY in PostgreSQL.
                """)
            .Produces<TimeToImprovementReport>(StatusCodes.Status200OK, "application/json", "image/svg+xml", "image/png")
            .WithResponseExample(StatusCodes.Status200OK, new TimeToImprovementReport("drug", null, 4,
            [
                new SurvivalGroup("baclofen", ["baclofen"], 4, 2, 2,
                    [new SurvivalStep(0, 4, 0, 1, 1, null, null), new SurvivalStep(2, 3, 1, 0, 0.6667, 0.0541, 0.9452),
                     new SurvivalStep(5, 2, 0, 1, 0.6667, 0.0541, 0.9452), new SurvivalStep(10, 1, 1, 0, 0, null, null)],
                    new MedianEstimate(10, 2, 10, null),
                    [new Milestone(7, 1, 0.3333, 0.0548, 0.9459, null), new Milestone(14, 0, null, null, null, "No case is followed to day 14 (the last is followed to day 10).")],
                    null),
            ], new LogRankTest(["baclofen"], null, null, null, "Needs at least two groups with cases.")), "application/json")
            .WithResponseExample(StatusCodes.Status200OK, PlotExample.Svg, "image/svg+xml")
            .WithResponseExample(StatusCodes.Status200OK, PlotExample.Png, "image/png");
        group.MapGet("/drug-comparison", DrugComparison).WithName("DrugComparison")
            .WithSummary("Cases given a drug against cases not given it")
            .WithDescription("""
                `drug` (required) names the drug compared; the other filters of `GET /cases` narrow the cases. Compares
                the share improved-or-better at the final assessment (among assessed cases) of the cases given the drug
                with that of the cases not given it: both arms' counts, the risk difference (Wald 95% interval) and the
                relative risk (log 95% interval), and Fisher's exact p when any expected cell is under 5, else the
                chi-square test. `stratifyBy=sex` or `ageBand` adds a comparison per stratum and the Mantel–Haenszel
                pooled relative risk. For analyst keys counts from 1 to k−1 are null and so is every figure derived
                from one. `format=svg` or `png` draws the final-outcome distribution per arm (and stratum) as bars.
                A drug that no matching case was given is a 400.
                """)
            .Produces<DrugComparisonReport>(StatusCodes.Status200OK, "application/json", "image/svg+xml", "image/png")
            .WithResponseExample(StatusCodes.Status200OK, new DrugComparisonReport("baclofen",
                new Comparison(
                    new ComparisonArm(6, 6, 5, 0.8333, new FinalOutcomeCounts(0, 0, 5, 1, 0, 0)),
                    new ComparisonArm(8, 7, 2, 0.2857, new FinalOutcomeCounts(0, 0, 2, 5, 0, 1)),
                    new EffectEstimate(0.5476, 0.0994, 0.9959), new EffectEstimate(2.9167, 0.857, 9.9263),
                    new AssociationTest("fisher-exact", null, 0.1026), null),
                null, [], null, null), "application/json")
            .WithResponseExample(StatusCodes.Status200OK, PlotExample.Svg, "image/svg+xml")
            .WithResponseExample(StatusCodes.Status200OK, PlotExample.Png, "image/png");

        return group;
    }

    private static async Task<Ok<OutcomesByDrugReport>> OutcomesByDrug(
        [AsParameters] CaseFilters filters, [FromKeyedServices(RegistryDataSources.Read)] CallerDataSource dataSource, Data.Caller caller, SmallCells cells, CancellationToken ct) =>
        TypedResults.Ok(await OutcomesByDrugQuery.RunAsync(dataSource, filters, caller, cells, ct));

    private static async Task<Ok<OutcomesByCombinationReport>> OutcomesByCombination(
        [AsParameters] CaseFilters filters, [FromKeyedServices(RegistryDataSources.Read)] CallerDataSource dataSource, Data.Caller caller, SmallCells cells, CancellationToken ct) =>
        TypedResults.Ok(await OutcomesByCombinationQuery.RunAsync(dataSource, filters, caller, cells, ct));

    private static async Task<Ok<RegistrySummaryReport>> Summary(
        [AsParameters] CaseFilters filters, [FromKeyedServices(RegistryDataSources.Read)] CallerDataSource dataSource, Data.Caller caller, SmallCells cells, CancellationToken ct) =>
        TypedResults.Ok(await RegistrySummaryQuery.RunAsync(dataSource, filters, caller, cells, ct));

    private static async Task<IResult> TimeToImprovement(
        [AsParameters] TimeToImprovementParameters parameters, [FromKeyedServices(RegistryDataSources.Read)] CallerDataSource dataSource, Data.Caller caller, SmallCells cells, CancellationToken ct)
    {
        var report = await TimeToImprovementQuery.RunAsync(dataSource, parameters, caller, cells, ct);
        return parameters.Format is "svg" or "png"
            ? AnalyticsFormats.Plot(AnalyticsPlots.TimeToImprovement(report), parameters.Format, 960, AnalyticsPlots.Height(report.Groups.Count(g => g.Curve.Count > 0)))
            : TypedResults.Ok(report);
    }

    private static async Task<IResult> DrugComparison(
        [AsParameters] DrugComparisonParameters parameters, [FromKeyedServices(RegistryDataSources.Read)] CallerDataSource dataSource, Data.Caller caller, SmallCells cells, CancellationToken ct)
    {
        if (await DrugComparisonQuery.RunAsync(dataSource, parameters, caller, cells, ct) is not { } report)
            return Problems.Invalid("drug", $"No case matching the filters was given '{parameters.Drug}': there is nothing to compare.");
        if (parameters.Format is not ("svg" or "png")) return TypedResults.Ok(report);
        List<(string, FinalOutcomeCounts)> bars = [($"{report.Drug}", report.Overall.Given.FinalOutcomes), ($"not {report.Drug}", report.Overall.NotGiven.FinalOutcomes)];
        foreach (var stratum in report.Strata)
            bars.AddRange([($"{report.Drug}, {stratum.Value}", stratum.Comparison.Given.FinalOutcomes), ($"not {report.Drug}, {stratum.Value}", stratum.Comparison.NotGiven.FinalOutcomes)]);
        var plot = AnalyticsPlots.OutcomeDistribution($"Final outcomes: cases given {report.Drug} and cases not given it", bars);
        return AnalyticsFormats.Plot(plot, parameters.Format, 960, 360 + 40 * bars.Count);
    }
}
