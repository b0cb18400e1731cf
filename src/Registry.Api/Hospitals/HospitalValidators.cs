using FluentValidation;
using Registry.Api.Common;

namespace Registry.Api.Hospitals;

public sealed class HospitalRequestValidator : AbstractValidator<HospitalRequest>
{
    public HospitalRequestValidator(IValidator<ReadOnlyMembers> readOnly)
    {
        Include(readOnly);
        RuleFor(h => h.Name).RequiredText(RequestLimits.ShortText);
        RuleFor(h => h.City).OptionalText(100);
        RuleFor(h => h.Country).OptionalText(100);
    }
}
