namespace Registry.Api.Analytics;

/// <summary>The answers an analytics route can give: its figures as JSON, or a plot of them.</summary>
public static class AnalyticsFormats
{
    public const string Message = "Use json, svg or png.";

    public static bool IsKnown(string? format) => format is null or "json" or "svg" or "png";

    public static IResult Plot(ScottPlot.Plot plot, string format, int width, int height) => format == "png"
        ? TypedResults.File(plot.GetImageBytes(width, height, ScottPlot.ImageFormat.Png), "image/png")
        : TypedResults.Text(plot.GetSvgXml(width, height), "image/svg+xml");
}
