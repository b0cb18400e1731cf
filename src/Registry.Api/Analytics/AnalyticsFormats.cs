using System.ComponentModel;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;
using Registry.Api.Cases;
using Registry.Api.Vocabulary;

using Registry.Api.Drugs;

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

/// <summary>The filters of GET /cases on a route that can also draw its answer.</summary>
public abstract class PlottableCaseFilters : CaseFilters
{
    [Description("json (default), svg or png: the figures, or a plot of them (the route's description says what it draws).")]
    [FromQuery(Name = "format")]
    public string? Format { get; init; }
}

/// <summary>The GET /cases filter rules plus a known format; included by each plottable route's validator.</summary>
public sealed class PlottableCaseFiltersValidator : AbstractValidator<PlottableCaseFilters>
{
    public PlottableCaseFiltersValidator(DrugCatalog drugs)
    {
        Include(new CaseFiltersValidator(drugs));
        RuleFor(p => p.Format).Must(AnalyticsFormats.IsKnown).WithMessage(AnalyticsFormats.Message);
    }
}
