using System.Text.RegularExpressions;
using FluentValidation;
using Registry.Api.Common;

namespace Registry.Api.Vocabulary;

public sealed partial class DrugRequestValidator : AbstractValidator<DrugRequest>
{
    public const int MaxCodeLength = 60;

    public DrugRequestValidator()
    {
        RuleFor(d => d.Code).RequiredText(MaxCodeLength)
            .Must(c => c is null || KebabCode().IsMatch(c))
            .WithMessage("Lower-case letters and digits in words joined by single hyphens, e.g. botulinum-toxin-a.");
        RuleFor(d => d.Name).RequiredText(RequestLimits.ShortText);
        RuleFor(d => d.AtcCode)
            .Must(c => c is null || AtcCode().IsMatch(c))
            .WithMessage("A WHO ATC code at any level, e.g. N03AX12 or B03BA; leave it out if the drug has none.");
        RuleFor(d => d.DrugClass).RequiredText(RequestLimits.ShortText);
    }

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex KebabCode();

    [GeneratedRegex(@"^[A-Z]([0-9]{2}([A-Z]([A-Z]([0-9]{2})?)?)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex AtcCode();
}
