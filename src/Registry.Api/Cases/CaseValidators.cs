using FluentValidation;
using Registry.Api.Common;
using Registry.Api.Diagnostics;
using Registry.Api.Medications;
using Registry.Api.Outcomes;
using Registry.Api.Data;

namespace Registry.Api.Cases;

public sealed partial class CaseDocumentValidator : AbstractValidator<CaseDocument>
{
    public CaseDocumentValidator(
        TimeProvider clock,
        IHttpContextAccessor http,
        IValidator<DiagnosticRequest> diagnostic,
        IValidator<MedicationRequest> medication,
        IValidator<OutcomeRequest> outcome,
        IValidator<ReadOnlyMembers> readOnly)
    {
        Include(readOnly);
        RuleFor(c => c.PatientId).NotNull().When(c => c.Patient is null)
            .WithMessage("Required: give patientId, or the patient inline as 'patient'.");
        RuleFor(c => c.Patient).Null().When(c => c.PatientId is not null)
            .WithMessage("Give patientId or an inline patient, not both.");
        RuleFor(c => c.Patient!).SetValidator(new InlinePatientValidator(clock)).When(c => c.Patient is not null);
        RuleFor(c => c.HospitalId).NotNull().When(c => c.Patient is not null && !Security.Visibility.ImpliesHospital(Data.Caller.Current(http)))
            .WithMessage("Required with an inline patient: the hospital the pseudonym belongs to.");
        RuleFor(c => c.SourceCaseId).OptionalText(100);

        RuleFor(c => c.AgeAtPresentation).Required().InclusiveBetween(0, 120).WithMessage("Whole years, 0 to 120.");
        RuleFor(c => c.AgeAtPresentation)
            .Must((c, age) => FitsBirthYear(age!.Value, c.Patient!.BirthYear!.Value, c.PresentationDate!))
            .When(c => c.AgeAtPresentation is not null && c.Patient?.BirthYear is not null && PartialDate.TryParse(c.PresentationDate, out _))
            .WithMessage("Does not fit the patient's birthYear and the presentationDate.");
        RuleFor(c => c.PresentationDate).RequiredText(10).ValidPartialDate(clock);
        RuleFor(c => c.AdmissionDate).ValidPartialDate(clock)
            .Must((c, admission) => NotBefore(admission, c.PresentationDate))
            .WithMessage("Must not be before the presentationDate.");
        RuleFor(c => c.LengthOfStayDays).Day();
        RuleFor(c => c.FollowUpDays).Day();
        RuleFor(c => c.SymptomDurationDays).Day();
        RuleFor(c => c.AffectedSide).Required();
        RuleFor(c => c.AffectedRegions).MaxItems(20).Must(Distinct).WithMessage("Each region at most once.");
        RuleFor(c => c.Triggers).MaxItems(20).Must(Distinct).WithMessage("Each trigger at most once.");
        RuleFor(c => c.SupportiveCare).MaxItems(20).Must(Distinct).WithMessage("Each kind of care at most once.");
        RuleFor(c => c.AssociatedSymptoms).MaxItems()
            .Must(l => l is null || l.All(s => s is not null && s.Length <= 60 && KebabCode().IsMatch(s)))
            .WithMessage("Kebab-case codes of at most 60 characters, e.g. facial-pain, headache.");

        RuleFor(c => c.History).RequiredRef();
        RuleFor(c => c.History!).ChildRules(h =>
        {
            h.RuleFor(x => x.PriorFacialPalsy).Required();
            h.RuleFor(x => x.PriorFacialPalsyMonthsBefore).InclusiveBetween(0, 1440)
                .WithMessage("Months, 0 to 1440.");
            h.RuleFor(x => x.PriorFacialPalsyMonthsBefore).Null().When(x => x.PriorFacialPalsy == false)
                .WithMessage("Only with priorFacialPalsy true.");
            h.RuleFor(x => x.Notes).OptionalText(RequestLimits.LongText);
        }).When(c => c.History is not null);

        RuleFor(c => c.Diagnosis).RequiredRef();
        RuleFor(c => c.Diagnosis!).ChildRules(d =>
        {
            d.RuleFor(x => x.Name).RequiredText(RequestLimits.ShortText);
            d.RuleFor(x => x.Icd10).RequiredText(10).Matches(@"^[A-Z]\d{2}(\.\d{1,2})?$")
                .WithMessage("An ICD-10 code such as G51.3.");
            d.RuleFor(x => x.SnomedCt).Matches(@"^\d{6,18}$").WithMessage("A SNOMED CT concept id such as 13753008.");
            d.RuleFor(x => x.Etiology).Required();
            d.RuleFor(x => x.Notes).OptionalText(RequestLimits.LongText);
        }).When(c => c.Diagnosis is not null);

        RuleFor(c => c.Notes).OptionalText(RequestLimits.LongText);

        RuleFor(c => c.Diagnostics).MaxItems(RequestLimits.ChildrenPerCase);
        RuleForEach(c => c.Diagnostics).NotNull().WithMessage("Must be an object.").SetValidator(diagnostic);
        RuleFor(c => c.Medications).MaxItems(RequestLimits.ChildrenPerCase);
        RuleForEach(c => c.Medications).NotNull().WithMessage("Must be an object.").SetValidator(medication);
        RuleFor(c => c.Outcomes).MaxItems(RequestLimits.ChildrenPerCase);
        RuleForEach(c => c.Outcomes).NotNull().WithMessage("Must be an object.").SetValidator(outcome);
    }

    private static bool Distinct<T>(List<T>? items) => items is null || items.Distinct().Count() == items.Count;

    private static bool NotBefore(string? later, string? earlier) =>
        !PartialDate.TryParse(later, out var l) || !PartialDate.TryParse(earlier, out var e) || l.End >= e.Start;

    /// <summary>Age in whole years can be (year of presentation − birth year) or one less.</summary>
    private static bool FitsBirthYear(int age, int birthYear, string presentationDate)
    {
        PartialDate.TryParse(presentationDate, out var date);
        var years = date.Year - birthYear;
        return age == years || age == years - 1;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial System.Text.RegularExpressions.Regex KebabCode();
}

public sealed class InlinePatientValidator : AbstractValidator<InlinePatient>
{
    public InlinePatientValidator(TimeProvider clock)
    {
        RuleFor(p => p.Pseudonym).RequiredText(100);
        RuleFor(p => p.Sex).Required();
        RuleFor(p => p.BirthYear).InclusiveBetween(1900, clock.GetUtcNow().Year)
            .WithMessage("A year from 1900 to this year.");
    }
}
