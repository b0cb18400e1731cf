using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Registry.Api.Cases;
using Registry.Api.Common;
using Registry.Api.Security;

namespace Registry.Api.Analytics;

public static class AnalyticsEndpoints
{
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

        return group;
    }

    private static async Task<Ok<OutcomesByDrugReport>> OutcomesByDrug(
        [AsParameters] CaseFilters filters, NpgsqlDataSource dataSource, Security.Caller caller, SmallCells cells, CancellationToken ct) =>
        TypedResults.Ok(await OutcomesByDrugQuery.RunAsync(dataSource, filters, caller, cells, ct));

    private static async Task<Ok<OutcomesByCombinationReport>> OutcomesByCombination(
        [AsParameters] CaseFilters filters, NpgsqlDataSource dataSource, Security.Caller caller, SmallCells cells, CancellationToken ct) =>
        TypedResults.Ok(await OutcomesByCombinationQuery.RunAsync(dataSource, filters, caller, cells, ct));

    private static async Task<Ok<RegistrySummaryReport>> Summary(
        [AsParameters] CaseFilters filters, NpgsqlDataSource dataSource, Security.Caller caller, SmallCells cells, CancellationToken ct) =>
        TypedResults.Ok(await RegistrySummaryQuery.RunAsync(dataSource, filters, caller, cells, ct));
}
