using FluentValidation;
using Registry.Api.Common;
using Registry.Api.Data;

namespace Registry.Api.Patients;

public sealed class PatientRequestValidator : AbstractValidator<PatientRequest>
{
    public const int MaxPseudonymLength = 100;
    public const int FirstBirthYear = 1900;

    public PatientRequestValidator(TimeProvider clock, IHttpContextAccessor http, IValidator<ReadOnlyMembers> readOnly)
    {
        Include(readOnly);
        // A hospital key's patients belong to its hospital; only admins must say which hospital.
        RuleFor(p => p.HospitalId).Required().When(_ => !Security.Visibility.ImpliesHospital(Data.Caller.Current(http)));
        RuleFor(p => p.Pseudonym).RequiredText(MaxPseudonymLength);
        RuleFor(p => p.Sex).Required();
        RuleFor(p => p.BirthYear)
            .Must(year => year is null || (year >= FirstBirthYear && year <= clock.GetUtcNow().Year))
            .WithMessage(_ => $"A year from {FirstBirthYear} to {clock.GetUtcNow().Year}; leave it out if unknown.");
    }
}

public sealed class PatientListQueryValidator : AbstractValidator<PatientListQuery>
{
    public PatientListQueryValidator()
    {
        RuleFor(q => q.Limit).InclusiveBetween(1, RequestLimits.MaxPageSize)
            .WithMessage($"From 1 to {RequestLimits.MaxPageSize}.");
        RuleFor(q => q.Cursor).Must(c => c is null || PatientCursor.TryParse(c, out _))
            .WithMessage("Not a cursor this API returned; pass nextCursor from the previous page unchanged.");
    }
}
