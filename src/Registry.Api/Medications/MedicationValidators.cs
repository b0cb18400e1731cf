using FluentValidation;
using Registry.Api.Common;
using Registry.Api.Diagnostics;
using Registry.Api.Drugs;

namespace Registry.Api.Medications;

/// <summary>
/// Validates a medication on its own route and inside a whole case document (medications[i]). The drug must
/// be in the vocabulary; the catalog is read once per request however many medications a case carries.
/// </summary>
public sealed class MedicationRequestValidator : AbstractValidator<MedicationRequest>
{
    private static readonly AdjustmentRequestValidator Adjustment = new();

    public MedicationRequestValidator(DrugCatalog catalog, IValidator<ReadOnlyMembers> readOnly)
    {
        Include(readOnly);
        RuleFor(m => m.Drug).Cascade(CascadeMode.Stop)
            .RequiredText(60)
            .MustAsync((code, ct) => catalog.IsKnownAsync(code!, ct))
            .WithMessage(m => $"'{m.Drug}' is not a known drug code (codes are lower-case, e.g. gabapentin). {DrugCatalog.HowToFindCodes}");
        RuleFor(m => m.ProductName).OptionalText(RequestLimits.ShortText);
        RuleFor(m => m.Route).Required();
        RuleFor(m => m.Form).OptionalText(100);
        RuleFor(m => m.Dose!).SetValidator(new DoseRequestValidator()).When(m => m.Dose is not null);
        RuleFor(m => m.Frequency).OptionalText(100);
        RuleFor(m => m.StartDay).Day();
        RuleFor(m => m.EndDay).Day()
            .Must((m, end) => end is null || m.StartDay is null || end >= m.StartDay)
            .WithMessage(m => $"Must not be before startDay ({m.StartDay}).");
        RuleFor(m => m.Setting).Required();
        RuleFor(m => m.Purpose).OptionalText(500);
        RuleFor(m => m.Adjustments).MaxItems();
        RuleForEach(m => m.Adjustments)
            .NotNull().WithMessage("Must be an object with day, change and note.")
            .SetValidator(Adjustment)
            .SetValidator(m => WithinCourse(m.StartDay, m.EndDay))
            .When(m => m.Adjustments is not { Count: > RequestLimits.ListItems });
    }

    /// <summary>A dose cannot change before the drug was started or after it was stopped.</summary>
    private static InlineValidator<AdjustmentRequest> WithinCourse(int? startDay, int? endDay) => new()
    {
        v => v.RuleFor(a => a.Day)
            .Must(day => day is null || startDay is null || day >= startDay)
            .WithMessage($"Must not be before the medication's startDay ({startDay}).")
            .Must(day => day is null || endDay is null || day <= endDay)
            .WithMessage($"Must not be after the medication's endDay ({endDay})."),
    };
}

public sealed class DoseRequestValidator : AbstractValidator<DoseRequest>
{
    public DoseRequestValidator()
    {
        RuleFor(d => d.Amount).Required()
            .GreaterThan(0).WithMessage("Must be greater than 0.")
            .LessThanOrEqualTo(100_000).WithMessage("At most 100000.")
            .Must(a => a is null || decimal.Round(a.Value, 4) == a.Value).WithMessage("At most 4 decimal places.");
        RuleFor(d => d.Unit).UcumUnit();
    }
}

public sealed class AdjustmentRequestValidator : AbstractValidator<AdjustmentRequest>
{
    public AdjustmentRequestValidator()
    {
        RuleFor(a => a.Day).Required().Day();
        RuleFor(a => a.Change).Required();
        RuleFor(a => a.Note).OptionalText(500);
    }
}
