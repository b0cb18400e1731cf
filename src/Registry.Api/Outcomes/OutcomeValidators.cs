using FluentValidation;
using Registry.Api.Common;

namespace Registry.Api.Outcomes;

/// <summary>Validates an outcome assessment on its own route and inside a whole case document (outcomes[i]).</summary>
public sealed class OutcomeRequestValidator : AbstractValidator<OutcomeRequest>
{
    public OutcomeRequestValidator(IValidator<ReadOnlyMembers> readOnly)
    {
        Include(readOnly);
        RuleFor(o => o.Day).Required().Day();
        RuleFor(o => o.Method).Required();
        RuleFor(o => o.Status).Required();
        RuleFor(o => o.Severity!).SetValidator(new SeverityRequestValidator()).When(o => o.Severity is not null);
        RuleFor(o => o.ResidualFindings).TextList();
        RuleFor(o => o.Notes).OptionalText(RequestLimits.LongText);
    }
}

/// <summary>A severity needs both its scale and a score inside that scale's range.</summary>
public sealed class SeverityRequestValidator : AbstractValidator<SeverityRequest>
{
    public SeverityRequestValidator()
    {
        RuleFor(s => s.Scale).Required();
        RuleFor(s => s.Score).Required()
            .Must((s, score) => s.Scale is not { } scale || score is null || InRange(scale, score.Value))
            .WithMessage(s => OutOfRange(s.Scale!.Value, s.Score!.Value));
    }

    private static bool InRange(SeverityScale scale, int score) =>
        scale.Range() is var (min, max) && score >= min && score <= max;

    private static string OutOfRange(SeverityScale scale, int score)
    {
        var (min, max) = scale.Range();
        return $"{score} is outside the '{scale.ToCode()}' scale; its scores run from {min} to {max}.";
    }
}
