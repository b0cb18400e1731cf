using System.Globalization;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;
using Registry.Api.Cases;
using Registry.Api.Common;
using Registry.Api.Diagnostics;
using Registry.Api.Drugs;
using Registry.Api.Hospitals;
using Registry.Api.Medications;
using Registry.Api.Outcomes;
using Registry.Api.Patients;
using static Registry.Api.Fhir.FhirJson;
using Codes = Registry.Api.Fhir.FhirSystems.Codes;
using Ext = Registry.Api.Fhir.FhirSystems.Ext;
using FhirBundle = Hl7.Fhir.Model.Bundle;
using Medication = Hl7.Fhir.Model.Medication;
using Patient = Hl7.Fhir.Model.Patient;
using OutcomeStatus = Registry.Api.Outcomes.OutcomeStatus;

namespace Registry.Api.Fhir;

/// <summary>A stored case with the patient and hospital it belongs to: everything one bundle shows.</summary>
public sealed record FhirCase(CaseResponse Case, PatientResponse Patient, HospitalResponse Hospital);

/// <summary>
/// Writes a case as a FHIR R4 Bundle (collection, or transaction ready for POST /fhir) of Firely POCOs. The
/// mapping table is docs/fhir.md. Every registry field lands in a standard element or a registry extension
/// (FhirExtensions defines each), so FhirToCase can read it back exactly; elements derived for FHIR readers
/// (dates at the precision known, statuses) are ignored on import.
/// </summary>
public static class CaseToFhir
{
    /// <summary>The bundle as a JSON tree, for the OpenAPI examples.</summary>
    public static JsonObject Bundle(FhirCase source, bool transaction) => Node(Build(source, transaction));

    /// <param name="restReferences">
    /// References as REST URLs relative to the FHIR base (<c>Patient/{id}</c>), for resources served one by one;
    /// otherwise the bundle's <c>urn:uuid:</c> fullUrls.
    /// </param>
    /// <param name="onlyType">
    /// Build the resources of this type only (a REST read or search needs no others); the bundle then holds just those.
    /// </param>
    public static FhirBundle Build(FhirCase source, bool transaction, bool restReferences = false, string? onlyType = null)
    {
        var c = source.Case;
        var entries = new Entries(onlyType);
        var orgId = source.Hospital.Id;
        var patientId = source.Patient.Id;
        var encounterId = DerivedId(c.Id, "encounter");
        var conditionId = DerivedId(c.Id, "condition");
        var priorId = DerivedId(c.Id, "prior-facial-palsy");
        string Url(Guid id) => UrnUuid(id);
        string Ref<T>(Guid id) where T : Resource => restReferences ? $"{ModelInfo.GetFhirTypeNameForType(typeof(T))}/{id}" : UrnUuid(id);

        entries.Add<Organization>(orgId, () => Organization(source.Hospital), $"identifier={FhirSystems.HospitalIdSystem}|{orgId}");
        entries.Add<Patient>(patientId, () => Patient(source.Patient, Ref<Organization>(orgId)),
            source.Patient.Pseudonym is "" ? null : $"identifier={FhirSystems.PseudonymSystem(orgId)}|{source.Patient.Pseudonym}");
        entries.Add<Encounter>(encounterId, () => Encounter(c, Ref<Patient>(patientId), Ref<Organization>(orgId), Ref<Condition>(conditionId)));
        entries.Add<Condition>(conditionId, () => Condition(c, Ref<Patient>(patientId), Ref<Encounter>(encounterId)));
        entries.Add<Condition>(priorId, () => PriorFacialPalsy(c, Ref<Patient>(patientId), Ref<Encounter>(encounterId)));

        foreach (var d in c.Diagnostics)
        {
            if (!entries.Wants<DiagnosticReport>() && !entries.Wants<Observation>()) break;
            var observations = DiagnosticObservations(c, d, Ref<Patient>(patientId), Ref<Encounter>(encounterId)).ToList();
            entries.Add<DiagnosticReport>(d.Id, () => DiagnosticReport(c, d, Ref<Patient>(patientId), Ref<Encounter>(encounterId), observations.Select(o => Ref<Observation>(o.Id))));
            foreach (var o in observations) entries.Add<Observation>(o.Id, () => o.Resource);
        }
        foreach (var m in c.Medications)
        {
            var medicationId = DerivedId(m.Id, "medication");
            entries.Add<Medication>(medicationId, () => Medication(m));
            entries.Add<MedicationStatement>(m.Id, () => MedicationStatement(c, m, Ref<Medication>(medicationId), Ref<Patient>(patientId), Ref<Encounter>(encounterId)));
        }
        foreach (var o in c.Outcomes)
            entries.Add<Observation>(o.Id, () => Outcome(c, o, Ref<Patient>(patientId), Ref<Encounter>(encounterId), Ref<Condition>(conditionId)));

        return new FhirBundle
        {
            Id = transaction ? null : c.Id.ToString(),
            Identifier = new Identifier(FhirSystems.CaseIdSystem, c.Id.ToString()),
            Type = transaction ? FhirBundle.BundleType.Transaction : FhirBundle.BundleType.Collection,
            Entry = entries.Select(e =>
            {
                if (!transaction) e.Resource.Id = e.Id.ToString();
                return new FhirBundle.EntryComponent
                {
                    FullUrl = Url(e.Id),
                    Resource = e.Resource,
                    Request = transaction
                        ? new FhirBundle.RequestComponent { Method = FhirBundle.HTTPVerb.POST, Url = e.Resource.TypeName, IfNoneExist = e.IfNoneExist }
                        : null,
                };
            }).ToList(),
        };
    }

    /// <summary>A bundle's entries in order, built only for the wanted type (all when none is named).</summary>
    private sealed class Entries(string? onlyType) : List<(Guid Id, Resource Resource, string? IfNoneExist)>
    {
        public bool Wants<T>() where T : Resource => onlyType is null || onlyType == ModelInfo.GetFhirTypeNameForType(typeof(T));

        public void Add<T>(Guid id, Func<T> build, string? ifNoneExist = null) where T : Resource
        {
            if (Wants<T>()) Add((id, build(), ifNoneExist));
        }
    }

    public static Organization Organization(HospitalResponse h) => new()
    {
        Identifier = [new Identifier(FhirSystems.HospitalIdSystem, h.Id.ToString())],
        Active = true,
        Name = h.Name,
        Address = h.City is null && h.Country is null ? [] : [new Address { City = h.City, Country = h.Country }],
    };

    public static Patient Patient(PatientResponse p, string organization) => new()
    {
        // An analyst's export carries no pseudonym (an empty one here): the identifier is left out.
        Identifier = p.Pseudonym is "" ? [] :
        [
            new Identifier(FhirSystems.PseudonymSystem(p.HospitalId), p.Pseudonym)
            {
                Use = Identifier.IdentifierUse.Secondary,
                Type = new CodeableConcept { Text = "Pseudonym of the hospital" },
            },
        ],
        Gender = EnumUtility.ParseLiteral<AdministrativeGender>(p.Sex.ToCode()),
        BirthDate = p.BirthYear?.ToString("D4", CultureInfo.InvariantCulture),
        ManagingOrganization = Reference(organization),
    };

    private static Encounter Encounter(CaseResponse c, string patient, string organization, string condition) => new()
    {
        Extension = Present([
            Extension(Ext.AgeAtPresentation, new Integer(c.AgeAtPresentation)),
            c.FollowUpDays is { } followUp ? Extension(Ext.FollowUpDays, new Integer(followUp)) : null,
            .. c.SupportiveCare.Select(s => Extension(Ext.SupportiveCare, Coding(Codes.SupportiveCare, s.ToCode()))),
            c.Notes is { } notes ? Extension(Ext.CaseNotes, new FhirString(notes)) : null,
        ]),
        Identifier = c.SourceCaseId is null ? [] : [new Identifier(FhirSystems.SourceCaseSystem(c.HospitalId), c.SourceCaseId)],
        Status = Hl7.Fhir.Model.Encounter.EncounterStatus.Finished,
        Class = c.AdmissionDate is not null
            ? Coding(FhirSystems.ActCode, "IMP", "inpatient encounter")
            : Coding(FhirSystems.ActCode, "AMB", "ambulatory"),
        Subject = Reference(patient),
        Period = Period(c.AdmissionDate,
            PartialDate.TryParse(c.AdmissionDate, out var a) && a.Day is not null ? DayDates.At(c.AdmissionDate, c.LengthOfStayDays) : null),
        Length = c.LengthOfStayDays is { } days ? Duration(days, "days", "d") : null,
        Diagnosis = [new Hl7.Fhir.Model.Encounter.DiagnosisComponent { Condition = Reference(condition), Rank = 1 }],
        ServiceProvider = Reference(organization),
    };

    private static Condition Condition(CaseResponse c, string patient, string encounter)
    {
        var d = c.Diagnosis;
        var laterality = FhirVocabulary.Laterality(c.AffectedSide);
        var onset = DayDates.DaysBefore(c.PresentationDate, c.SymptomDurationDays);
        return new()
        {
            Extension = Present([
                Extension(Ext.AffectedSide, Concept(c.AffectedSide.ToCode(),
                    laterality is { } l ? Coding(FhirSystems.Snomed, l.Code, l.Display) : null,
                    Coding(Codes.AffectedSide, c.AffectedSide.ToCode()))),
                Extension(Ext.Etiology, Coding(Codes.Etiology, d.Etiology.ToCode())),
                .. c.Triggers.Select(t => Extension(Ext.Trigger, Coding(Codes.Trigger, t.ToCode()))),
                c.PresentDuringSleep is { } sleep ? Extension(Ext.PresentDuringSleep, new FhirBoolean(sleep)) : null,
                .. c.AssociatedSymptoms.Select(s => Extension(Ext.AssociatedSymptom, Coding(Codes.AssociatedSymptom, s))),
                c.SymptomDurationDays is { } duration ? Extension(Ext.SymptomDuration, Duration(duration, "days", "d")) : null,
            ]),
            ClinicalStatus = Concept(null, Coding(FhirSystems.ConditionClinical,
                c.FinalOutcome?.Status == OutcomeStatus.Resolved ? "resolved" : "active")),
            VerificationStatus = Concept(null, Coding(FhirSystems.ConditionVerification, "confirmed")),
            Category = [Concept(null, Coding(FhirSystems.ConditionCategory, "encounter-diagnosis", "Encounter Diagnosis"))],
            Code = Concept(d.Name,
                d.SnomedCt is { } sct ? Coding(FhirSystems.Snomed, sct, sct == "13753008" ? "Hemifacial spasm" : null) : null,
                Coding(FhirSystems.Icd10, d.Icd10, d.Icd10 == "G51.3" ? "Clonic hemifacial spasm" : null)),
            BodySite = c.AffectedRegions.Select(r => Concept(r.ToCode(), Coding(Codes.FacialRegion, r.ToCode()))).ToList(),
            Subject = Reference(patient),
            Encounter = Reference(encounter),
            Onset = onset is not null ? new FhirDateTime(onset)
                : c.SymptomDurationDays is { } n ? new FhirString($"{n} days before presentation ({c.PresentationDate})") : null,
            RecordedDate = c.PresentationDate,
            Note = Notes(d.Notes),
        };
    }

    /// <summary>The history of a prior facial palsy: confirmed, or refuted when the patient had none.</summary>
    private static Condition PriorFacialPalsy(CaseResponse c, string patient, string encounter) => new()
    {
        Extension = c.History.PriorFacialPalsyMonthsBefore is { } months ? [Extension(Ext.MonthsBefore, Duration(months, "months", "mo"))] : [],
        VerificationStatus = Concept(null, Coding(FhirSystems.ConditionVerification, c.History.PriorFacialPalsy ? "confirmed" : "refuted")),
        Code = Concept("Prior facial palsy (facial neuritis)", Coding(Codes.Condition, "prior-facial-palsy", "Prior facial palsy")),
        Subject = Reference(patient),
        Encounter = Reference(encounter),
        Onset = DayDates.MonthsBefore(c.PresentationDate, c.History.PriorFacialPalsyMonthsBefore) is { } onset ? new FhirDateTime(onset) : null,
        Note = Notes(c.History.Notes),
    };

    private static DiagnosticReport DiagnosticReport(CaseResponse c, DiagnosticResponse d, string patient, string encounter, IEnumerable<string> results)
    {
        var section = FhirVocabulary.ServiceSection(d.Kind);
        var interpretation = FhirVocabulary.Interpretation(d.Result);
        return new()
        {
            Extension = DayOffset(d.Day),
            Status = Hl7.Fhir.Model.DiagnosticReport.DiagnosticReportStatus.Final,
            Category = section is { } s ? [Concept(null, Coding(FhirSystems.DiagnosticServiceSection, s.Code, s.Display))] : [],
            Code = Concept(FhirVocabulary.KindDisplay(d.Kind), Coding(Codes.DiagnosticKind, d.Kind.ToCode(), FhirVocabulary.KindDisplay(d.Kind))),
            Subject = Reference(patient),
            Encounter = Reference(encounter),
            Effective = DateTime(DayDates.At(c.AdmissionDate, d.Day)),
            Result = results.Select(Reference).ToList(),
            Conclusion = d.Summary,
            ConclusionCode =
            [
                Concept(null, Coding(FhirSystems.Interpretation, interpretation.Code, interpretation.Display),
                    Coding(Codes.DiagnosticResult, d.Result.ToCode())),
            ],
        };
    }

    private static IEnumerable<(Guid Id, Observation Resource)> DiagnosticObservations(CaseResponse c, DiagnosticResponse d, string patient, string encounter)
    {
        var effective = DayDates.At(c.AdmissionDate, d.Day);
        var category = FhirVocabulary.ObservationCategory(d.Kind);
        Observation Base(string observationCategory, CodeableConcept code, params Measurement[] vitalSigns) => new()
        {
            Meta = MeetsVitalSignsProfile(effective, vitalSigns) ? new Meta { Profile = [FhirSystems.VitalSignsProfile] } : null,
            Extension = DayOffset(d.Day),
            Status = ObservationStatus.Final,
            Category = [Concept(null, Coding(FhirSystems.ObservationCategory, observationCategory))],
            Code = code,
            Subject = Reference(patient),
            Encounter = Reference(encounter),
            Effective = DateTime(effective),
        };

        for (var i = 0; i < d.Findings.Count; i++)
        {
            var finding = Base(category, Concept("Finding", Coding(Codes.Observation, "finding", "Finding")));
            finding.Value = new FhirString(d.Findings[i]);
            yield return (DerivedId(d.Id, $"finding/{i}"), finding);
        }

        for (var i = 0; i < d.Measurements.Count; i++)
        {
            var m = d.Measurements[i];
            if (m.Name == "systolic-blood-pressure" && i + 1 < d.Measurements.Count && d.Measurements[i + 1].Name == "diastolic-blood-pressure")
            {
                var panel = Base("vital-signs", Concept("Blood pressure",
                    Coding(FhirSystems.Loinc, FhirVocabulary.BloodPressurePanel.Code, FhirVocabulary.BloodPressurePanel.Display)), m, d.Measurements[i + 1]);
                panel.Component = [Component(m), Component(d.Measurements[i + 1])];
                yield return (DerivedId(d.Id, $"measurement/{i}"), panel);
                i++;
                continue;
            }
            var loinc = FhirVocabulary.Measurements.GetValueOrDefault(m.Name);
            var vitalSign = loinc?.VitalSign == true;
            var observation = vitalSign ? Base("vital-signs", MeasurementCode(m.Name), m) : Base(category, MeasurementCode(m.Name));
            observation.Value = Quantity(m.Value, m.Unit);
            yield return (DerivedId(d.Id, $"measurement/{i}"), observation);
        }
    }

    /// <summary>
    /// Whether an Observation of these vital signs meets the FHIR vital-signs profile, so may claim it: vs-1 wants
    /// effectiveDateTime known to the day at least, and the profile binds each valueQuantity's code (required) to
    /// the common vital-sign units. No vital signs: no claim.
    /// </summary>
    private static bool MeetsVitalSignsProfile(string? effective, Measurement[] vitalSigns) =>
        vitalSigns.Length > 0 && PartialDate.TryParse(effective, out var date) && date.Day is not null
        && vitalSigns.All(v => FhirVocabulary.VitalSignsUnits.Contains(v.Unit));

    private static Observation.ComponentComponent Component(Measurement m) => new() { Code = MeasurementCode(m.Name), Value = Quantity(m.Value, m.Unit) };

    private static CodeableConcept MeasurementCode(string name)
    {
        var loinc = FhirVocabulary.Measurements.GetValueOrDefault(name);
        return Concept(loinc?.Display ?? name,
            loinc is null ? null : Coding(FhirSystems.Loinc, loinc.Code, loinc.Display),
            Coding(Codes.Measurement, name));
    }

    private static Medication Medication(MedicationResponse m) => new()
    {
        Code = Concept(m.ProductName,
            m.AtcCode is { } atc ? Coding(FhirSystems.Atc, atc, m.DrugName) : null,
            Coding(Codes.Drug, m.Drug, m.DrugName)),
        Form = m.Form is null ? null : Concept(m.Form),
    };

    private static MedicationStatement MedicationStatement(CaseResponse c, MedicationResponse m, string medication, string patient, string encounter)
    {
        var route = FhirVocabulary.Route(m.Route);
        return new()
        {
            Extension = Present([
                m.StartDay is { } start ? Extension(Ext.StartDay, new Integer(start)) : null,
                m.EndDay is { } end ? Extension(Ext.EndDay, new Integer(end)) : null,
                m.Ending is { } ending ? Extension(Ext.MedicationEnding, new Code(ending.ToCode())) : null,
                .. m.Adjustments.Select(a => new Extension
                {
                    Url = Ext.DoseAdjustment,
                    Extension = Present([
                        Extension("day", new Integer(a.Day)),
                        Extension("change", new Code(a.Change.ToCode())),
                        a.Note is null ? null : Extension("note", new FhirString(a.Note)),
                    ]),
                }),
            ]),
            Status = m.Ending switch
            {
                Ending.Completed or Ending.Tapered => Hl7.Fhir.Model.MedicationStatement.MedicationStatusCodes.Completed,
                Ending.Stopped => Hl7.Fhir.Model.MedicationStatement.MedicationStatusCodes.Stopped,
                Ending.Ongoing => Hl7.Fhir.Model.MedicationStatement.MedicationStatusCodes.Active,
                _ => Hl7.Fhir.Model.MedicationStatement.MedicationStatusCodes.Unknown,
            },
            Category = Concept(null,
                m.Setting is Setting.Inpatient or Setting.Outpatient ? Coding(FhirSystems.MedicationStatementCategory, m.Setting.ToCode()) : null,
                Coding(Codes.Setting, m.Setting.ToCode())),
            Medication = Reference(medication),
            Subject = Reference(patient),
            Context = Reference(encounter),
            Effective = Period(DayDates.At(c.AdmissionDate, m.StartDay), DayDates.At(c.AdmissionDate, m.EndDay)),
            ReasonCode = m.Purpose is null ? [] : [Concept(m.Purpose)],
            Dosage =
            [
                new Dosage
                {
                    Text = DosageText(m),
                    Timing = m.Frequency is null ? null : new Timing { Code = Concept(m.Frequency) },
                    Route = Concept(m.Route.ToCode(), route is { } r ? Coding(FhirSystems.Snomed, r.Code, r.Display) : null, Coding(Codes.Route, m.Route.ToCode())),
                    DoseAndRate = m.Dose is { } dose ? [new Dosage.DoseAndRateComponent { Dose = Quantity(dose.Amount, dose.Unit) }] : [],
                },
            ],
        };
    }

    /// <summary>The dosage for people: dose, frequency, route, and each dose change by day.</summary>
    private static string DosageText(MedicationResponse m)
    {
        var parts = new List<string>();
        parts.Add(string.Join(" ", new[]
        {
            m.Dose is { } dose ? $"{dose.Amount.ToString(CultureInfo.InvariantCulture)} {dose.Unit}" : "dose not documented",
            m.Frequency,
            m.Route.ToCode(),
            m.Form,
        }.Where(p => p is not null)));
        parts.AddRange(m.Adjustments.Select(a => $"day {a.Day}: {a.Change.ToCode()}{(a.Note is null ? "" : $" ({a.Note})")}"));
        return string.Join("; ", parts);
    }

    private static Observation Outcome(CaseResponse c, OutcomeResponse o, string patient, string encounter, string condition) => new()
    {
        Extension = DayOffset(o.Day),
        Status = ObservationStatus.Final,
        Category = [Concept(null, Coding(FhirSystems.ObservationCategory, "exam"))],
        Code = Concept("Hemifacial spasm outcome assessment", Coding(Codes.Observation, "hfs-outcome", "Hemifacial spasm outcome assessment")),
        Subject = Reference(patient),
        Focus = [Reference(condition)],
        Encounter = Reference(encounter),
        Effective = DateTime(DayDates.At(c.AdmissionDate, o.Day)),
        Value = Concept(o.Status.ToCode(), Coding(Codes.OutcomeStatus, o.Status.ToCode())),
        Note = Notes(o.Notes),
        Method = Concept(o.Method.ToCode(), Coding(Codes.AssessmentMethod, o.Method.ToCode())),
        Component =
        [
            .. o.Severity is { } s
                ? [new Observation.ComponentComponent { Code = Concept($"Severity ({s.Scale.ToCode()})", Coding(Codes.SeverityScale, s.Scale.ToCode())), Value = new Integer(s.Score) }]
                : Array.Empty<Observation.ComponentComponent>(),
            .. o.Recurrence is { } recurrence
                ? [new Observation.ComponentComponent { Code = Concept("Recurrence", Coding(Codes.Observation, "recurrence", "Recurrence")), Value = new FhirBoolean(recurrence) }]
                : Array.Empty<Observation.ComponentComponent>(),
            .. o.ResidualFindings.Select(f => new Observation.ComponentComponent
            {
                Code = Concept("Residual finding", Coding(Codes.Observation, "residual-finding", "Residual finding")),
                Value = new FhirString(f),
            }),
        ],
    };

    private static List<Extension> DayOffset(int? day) => day is { } d ? [Extension(Ext.DayOffset, new Integer(d))] : [];

    private static List<Annotation> Notes(string? text) => text is null ? [] : [new Annotation { Text = new Markdown(text) }];

    private static Coding Coding(string system, string code, string? display = null) => new(system, code, display);

    /// <summary>A CodeableConcept of the codings given (nulls skipped) and a text.</summary>
    private static CodeableConcept Concept(string? text, params Coding?[] codings) => new() { Coding = codings.OfType<Coding>().ToList(), Text = text };

    private static ResourceReference Reference(string fullUrl) => new(fullUrl);

    private static Quantity Quantity(decimal value, string ucum) => new() { Value = value, Unit = ucum, System = FhirSystems.Ucum, Code = ucum };

    private static Duration Duration(int value, string unit, string ucum) => new() { Value = value, Unit = unit, System = FhirSystems.Ucum, Code = ucum };

    private static Extension Extension(string url, DataType value) => new(url, value);

    private static List<Extension> Present(IEnumerable<Extension?> extensions) => extensions.OfType<Extension>().ToList();

    private static FhirDateTime? DateTime(string? value) => value is null ? null : new FhirDateTime(value);

    /// <summary>A Period of the dates known; none when neither is (FHIR has no empty elements).</summary>
    private static Period? Period(string? start, string? end) => start is null && end is null ? null : new Period { Start = start, End = end };
}
