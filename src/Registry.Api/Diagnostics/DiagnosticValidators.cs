using FluentValidation;
using Registry.Api.Common;

namespace Registry.Api.Diagnostics;

/// <summary>Validates a diagnostic on its own route and inside a whole case document (diagnostics[i]).</summary>
public sealed class DiagnosticRequestValidator : AbstractValidator<DiagnosticRequest>
{
    public DiagnosticRequestValidator(IValidator<ReadOnlyMembers> readOnly)
    {
        Include(readOnly);
        RuleFor(d => d.Kind).Required();
        RuleFor(d => d.Result).Required();
        RuleFor(d => d.Day).Day();
        RuleFor(d => d.Findings).TextList();
        RuleFor(d => d.Summary).OptionalText(RequestLimits.LongText);
        RuleFor(d => d.Measurements).MaxItems();
        // Per-entry rules only on a list within its cap, so an oversized list gets one error, not thousands.
        RuleForEach(d => d.Measurements)
            .NotNull().WithMessage("Must be an object with name, value and unit.")
            .SetValidator(new MeasurementRequestValidator())
            .When(d => d.Measurements is not { Count: > RequestLimits.ListItems });
    }
}

public sealed class MeasurementRequestValidator : AbstractValidator<MeasurementRequest>
{
    public MeasurementRequestValidator()
    {
        RuleFor(m => m.Name).RequiredText(100);
        RuleFor(m => m.Value).Required();
        RuleFor(m => m.Unit).UcumUnit();
    }
}

public static class UnitRules
{
    /// <summary>A UCUM-style unit code: Cel, mm[Hg], /min, mg. Codes never contain whitespace.</summary>
    public static IRuleBuilderOptions<T, string?> UcumUnit<T>(this IRuleBuilder<T, string?> rule) =>
        rule.RequiredText(30)
            .Must(u => string.IsNullOrWhiteSpace(u) || !u.Any(c => char.IsWhiteSpace(c) || c == '\0'))
            .WithMessage("A UCUM unit code without spaces, e.g. Cel, mm[Hg], /min, mg.");
}
