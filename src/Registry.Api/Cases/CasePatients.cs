using Registry.Api.Common;
using Registry.Api.Patients;

namespace Registry.Api.Cases;

/// <summary>
/// How a case document finds its patient. One set of rules for both writers: <see cref="CaseWriter"/> looks the
/// rows up one document at a time, the bulk chunk writer looks up a whole chunk's at once; these decide.
/// </summary>
public static class CasePatients
{
    /// <summary>A document naming its patient by id: the patient (null when the caller sees none) must be the hospital's.</summary>
    public static (Patient? Patient, CaseWriteResult.Invalid? Problem) ById(CaseDocument document, Patient? found)
    {
        if (found is null) return (null, Invalid("patientId", "No patient has this id."));
        if (document.HospitalId is { } given && given != found.HospitalId)
            return (null, Invalid("hospitalId",
                $"The patient belongs to hospital '{found.HospitalId}'; a case's hospital is its patient's hospital."));
        return (found, null);
    }

    public static CaseWriteResult.Invalid UnknownHospital() => Invalid("hospitalId", "No hospital has this id.");

    /// <summary>The pseudonym an inline patient is matched by.</summary>
    public static string MatchedPseudonym(this InlinePatient inline) => inline.Pseudonym!.Trim();

    /// <summary>
    /// An inline patient against the patient the hospital holds under that pseudonym: a new (not yet added) patient
    /// when there is none; else the stored one, whose sex and birth year must not contradict the document.
    /// </summary>
    public static (Patient? Patient, CaseWriteResult.Invalid? Problem) Inline(Guid hospitalId, InlinePatient inline, Patient? known)
    {
        var pseudonym = inline.MatchedPseudonym();
        if (known is null)
            return (new Patient { HospitalId = hospitalId, Pseudonym = pseudonym, Sex = inline.Sex!.Value.ToCode(), BirthYear = inline.BirthYear }, null);
        if (known.Sex != inline.Sex!.Value.ToCode())
            return (null, Invalid("patient.sex", $"Patient '{pseudonym}' is recorded as {known.Sex}; correct the patient first."));
        if (inline.BirthYear is { } year && known.BirthYear is { } stored && stored != year)
            return (null, Invalid("patient.birthYear", $"Patient '{pseudonym}' is recorded as born in {stored}."));
        return (known, null);
    }

    /// <summary>Whether storing the case would fill in a birth year the stored patient lacks.</summary>
    public static bool FillsBirthYear(this Patient patient, InlinePatient? inline) =>
        patient.BirthYear is null && inline?.BirthYear is not null;

    /// <summary>A case stored with an inline patient fills in the birth year the patient lacked.</summary>
    public static void FillIn(this Patient patient, InlinePatient? inline) => patient.BirthYear ??= inline?.BirthYear;

    public static CaseWriteResult.Invalid Invalid(string path, string message) => new(new() { [path] = [message] });
}
