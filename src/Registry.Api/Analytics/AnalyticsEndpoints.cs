namespace Registry.Api.Analytics;

public static class AnalyticsEndpoints
{
    public static IEndpointRouteBuilder MapAnalytics(this IEndpointRouteBuilder routes) => routes; // TODO
}
