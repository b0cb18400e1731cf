using System.Globalization;
using System.Text.Json.Nodes;
using Registry.Api.Cases;
using Registry.Api.Common;
using Registry.Api.Diagnostics;
using Registry.Api.Hospitals;
using Registry.Api.Medications;
using Registry.Api.Outcomes;
using Registry.Api.Patients;
using static Registry.Api.Fhir.FhirJson;
using Codes = Registry.Api.Fhir.FhirSystems.Codes;
using Ext = Registry.Api.Fhir.FhirSystems.Ext;

namespace Registry.Api.Fhir;

/// <summary>A stored case with the patient and hospital it belongs to: everything one bundle shows.</summary>
public sealed record FhirCase(CaseResponse Case, PatientResponse Patient, HospitalResponse Hospital);

/// <summary>
/// Writes a case as a FHIR R4 Bundle (collection, or transaction ready for POST /fhir). The mapping table is
/// docs/fhir.md. Every registry field lands in a standard element or a registry extension, so FhirToCase can
/// read it back exactly; elements derived for FHIR readers (dates at the precision known, statuses) are
/// ignored on import.
/// </summary>
public static class CaseToFhir
{
    public static JsonObject Bundle(FhirCase source, bool transaction)
    {
        var c = source.Case;
        var entries = new List<(string Type, Guid Id, JsonObject Resource, string? IfNoneExist)>();
        var orgId = source.Hospital.Id;
        var patientId = source.Patient.Id;
        var encounterId = DerivedId(c.Id, "encounter");
        var conditionId = DerivedId(c.Id, "condition");
        var priorId = DerivedId(c.Id, "prior-facial-palsy");
        string Url(Guid id) => UrnUuid(id);

        entries.Add(("Organization", orgId, Organization(source.Hospital), $"identifier={FhirSystems.HospitalIdSystem}|{orgId}"));
        entries.Add(("Patient", patientId, Patient(source.Patient, Url(orgId)),
            source.Patient.Pseudonym is "" ? null : $"identifier={FhirSystems.PseudonymSystem(orgId)}|{source.Patient.Pseudonym}"));
        entries.Add(("Encounter", encounterId, Encounter(c, Url(patientId), Url(orgId), Url(conditionId)), null));
        entries.Add(("Condition", conditionId, Condition(c, Url(patientId), Url(encounterId)), null));
        entries.Add(("Condition", priorId, PriorFacialPalsy(c, Url(patientId), Url(encounterId)), null));

        foreach (var d in c.Diagnostics)
        {
            var observations = DiagnosticObservations(c, d, Url(patientId), Url(encounterId)).ToList();
            entries.Add(("DiagnosticReport", d.Id, DiagnosticReport(c, d, Url(patientId), Url(encounterId), observations.Select(o => Url(o.Id))), null));
            entries.AddRange(observations.Select(o => ("Observation", o.Id, o.Resource, (string?)null)));
        }
        foreach (var m in c.Medications)
        {
            var medicationId = DerivedId(m.Id, "medication");
            entries.Add(("Medication", medicationId, Medication(m), null));
            entries.Add(("MedicationStatement", m.Id, MedicationStatement(c, m, Url(medicationId), Url(patientId), Url(encounterId)), null));
        }
        foreach (var o in c.Outcomes)
            entries.Add(("Observation", o.Id, Outcome(c, o, Url(patientId), Url(encounterId), Url(conditionId)), null));

        var bundle = new JsonObject
        {
            ["resourceType"] = "Bundle",
            ["id"] = transaction ? null : c.Id.ToString(),
            ["identifier"] = new JsonObject { ["system"] = FhirSystems.CaseIdSystem, ["value"] = c.Id.ToString() },
            ["type"] = transaction ? "transaction" : "collection",
            ["entry"] = Array(entries.Select(e =>
            {
                var resource = new JsonObject { ["resourceType"] = e.Type, ["id"] = transaction ? null : e.Id.ToString() };
                foreach (var (key, value) in e.Resource.ToList())
                {
                    e.Resource.Remove(key);
                    resource[key] = value;
                }
                return (JsonNode)new JsonObject
                {
                    ["fullUrl"] = Url(e.Id),
                    ["resource"] = resource,
                    ["request"] = transaction
                        ? new JsonObject { ["method"] = "POST", ["url"] = e.Type, ["ifNoneExist"] = e.IfNoneExist }
                        : null,
                };
            })),
        };
        return Compact(bundle);
    }

    private static JsonObject Organization(HospitalResponse h) => new()
    {
        ["identifier"] = new JsonArray(new JsonObject { ["system"] = FhirSystems.HospitalIdSystem, ["value"] = h.Id.ToString() }),
        ["active"] = true,
        ["name"] = h.Name,
        ["address"] = h.City is null && h.Country is null ? null : new JsonArray(new JsonObject { ["city"] = h.City, ["country"] = h.Country }),
    };

    private static JsonObject Patient(PatientResponse p, string organization) => new()
    {
        // An analyst's export carries no pseudonym (an empty one here): the identifier is left out.
        ["identifier"] = p.Pseudonym is "" ? null : new JsonArray(new JsonObject
        {
            ["use"] = "secondary",
            ["type"] = Concept("Pseudonym of the hospital"),
            ["system"] = FhirSystems.PseudonymSystem(p.HospitalId),
            ["value"] = p.Pseudonym,
        }),
        ["gender"] = p.Sex.ToCode(),
        ["birthDate"] = p.BirthYear?.ToString("D4", CultureInfo.InvariantCulture),
        ["managingOrganization"] = Reference(organization),
    };

    private static JsonObject Encounter(CaseResponse c, string patient, string organization, string condition) => new()
    {
        ["extension"] = Array([
            Extension(Ext.AgeAtPresentation, "valueInteger", c.AgeAtPresentation),
            c.FollowUpDays is { } followUp ? Extension(Ext.FollowUpDays, "valueInteger", followUp) : null,
            .. c.SupportiveCare.Select(s => Extension(Ext.SupportiveCare, "valueCoding", Coding(Codes.SupportiveCare, s.ToCode()))),
            c.Notes is { } notes ? Extension(Ext.CaseNotes, "valueString", notes) : null,
        ]),
        ["identifier"] = c.SourceCaseId is null ? null
            : new JsonArray(new JsonObject { ["system"] = FhirSystems.SourceCaseSystem(c.HospitalId), ["value"] = c.SourceCaseId }),
        ["status"] = "finished",
        ["class"] = c.AdmissionDate is not null
            ? Coding(FhirSystems.ActCode, "IMP", "inpatient encounter")
            : Coding(FhirSystems.ActCode, "AMB", "ambulatory"),
        ["subject"] = Reference(patient),
        ["period"] = new JsonObject
        {
            ["start"] = c.AdmissionDate,
            ["end"] = PartialDate.TryParse(c.AdmissionDate, out var a) && a.Day is not null ? DayDates.At(c.AdmissionDate, c.LengthOfStayDays) : null,
        },
        ["length"] = c.LengthOfStayDays is { } days ? new JsonObject { ["value"] = days, ["unit"] = "days", ["system"] = FhirSystems.Ucum, ["code"] = "d" } : null,
        ["diagnosis"] = new JsonArray(new JsonObject { ["condition"] = Reference(condition), ["rank"] = 1 }),
        ["serviceProvider"] = Reference(organization),
    };

    private static JsonObject Condition(CaseResponse c, string patient, string encounter)
    {
        var d = c.Diagnosis;
        var laterality = FhirVocabulary.Laterality(c.AffectedSide);
        return new()
        {
            ["extension"] = Array([
                Extension(Ext.AffectedSide, "valueCodeableConcept", Concept(c.AffectedSide.ToCode(),
                    laterality is { } l ? Coding(FhirSystems.Snomed, l.Code, l.Display) : null,
                    Coding(Codes.AffectedSide, c.AffectedSide.ToCode()))),
                Extension(Ext.Etiology, "valueCoding", Coding(Codes.Etiology, d.Etiology.ToCode())),
                .. c.Triggers.Select(t => Extension(Ext.Trigger, "valueCoding", Coding(Codes.Trigger, t.ToCode()))),
                c.PresentDuringSleep is { } sleep ? Extension(Ext.PresentDuringSleep, "valueBoolean", sleep) : null,
                .. c.AssociatedSymptoms.Select(s => Extension(Ext.AssociatedSymptom, "valueCoding", Coding(Codes.AssociatedSymptom, s))),
                c.SymptomDurationDays is { } duration ? Extension(Ext.SymptomDuration, "valueDuration", Days(duration)) : null,
            ]),
            ["clinicalStatus"] = Concept(null, Coding(FhirSystems.ConditionClinical,
                c.FinalOutcome?.Status == OutcomeStatus.Resolved ? "resolved" : "active")),
            ["verificationStatus"] = Concept(null, Coding(FhirSystems.ConditionVerification, "confirmed")),
            ["category"] = new JsonArray(Concept(null, Coding(FhirSystems.ConditionCategory, "encounter-diagnosis", "Encounter Diagnosis"))),
            ["code"] = Concept(d.Name,
                d.SnomedCt is { } sct ? Coding(FhirSystems.Snomed, sct, sct == "13753008" ? "Hemifacial spasm" : null) : null,
                Coding(FhirSystems.Icd10, d.Icd10, d.Icd10 == "G51.3" ? "Clonic hemifacial spasm" : null)),
            ["bodySite"] = Array(c.AffectedRegions.Select(r => (JsonNode)Concept(r.ToCode(), Coding(Codes.FacialRegion, r.ToCode())))),
            ["subject"] = Reference(patient),
            ["encounter"] = Reference(encounter),
            ["onsetDateTime"] = DayDates.DaysBefore(c.PresentationDate, c.SymptomDurationDays),
            ["onsetString"] = DayDates.DaysBefore(c.PresentationDate, c.SymptomDurationDays) is null && c.SymptomDurationDays is { } n
                ? $"{n} days before presentation ({c.PresentationDate})" : null,
            ["recordedDate"] = c.PresentationDate,
            ["note"] = d.Notes is null ? null : new JsonArray(new JsonObject { ["text"] = d.Notes }),
        };
    }

    /// <summary>The history of a prior facial palsy: confirmed, or refuted when the patient had none.</summary>
    private static JsonObject PriorFacialPalsy(CaseResponse c, string patient, string encounter) => new()
    {
        ["extension"] = c.History.PriorFacialPalsyMonthsBefore is { } months
            ? new JsonArray(Extension(Ext.MonthsBefore, "valueDuration",
                new JsonObject { ["value"] = months, ["unit"] = "months", ["system"] = FhirSystems.Ucum, ["code"] = "mo" }))
            : null,
        ["verificationStatus"] = Concept(null, Coding(FhirSystems.ConditionVerification, c.History.PriorFacialPalsy ? "confirmed" : "refuted")),
        ["code"] = Concept("Prior facial palsy (facial neuritis)", Coding(Codes.Condition, "prior-facial-palsy", "Prior facial palsy")),
        ["subject"] = Reference(patient),
        ["encounter"] = Reference(encounter),
        ["onsetDateTime"] = DayDates.MonthsBefore(c.PresentationDate, c.History.PriorFacialPalsyMonthsBefore),
        ["note"] = c.History.Notes is null ? null : new JsonArray(new JsonObject { ["text"] = c.History.Notes }),
    };

    private static JsonObject DiagnosticReport(CaseResponse c, DiagnosticResponse d, string patient, string encounter, IEnumerable<string> results)
    {
        var section = FhirVocabulary.ServiceSection(d.Kind);
        var interpretation = FhirVocabulary.Interpretation(d.Result);
        return new()
        {
            ["extension"] = DayOffset(d.Day),
            ["status"] = "final",
            ["category"] = section is { } s ? new JsonArray(Concept(null, Coding(FhirSystems.DiagnosticServiceSection, s.Code, s.Display))) : null,
            ["code"] = Concept(FhirVocabulary.KindDisplay(d.Kind), Coding(Codes.DiagnosticKind, d.Kind.ToCode(), FhirVocabulary.KindDisplay(d.Kind))),
            ["subject"] = Reference(patient),
            ["encounter"] = Reference(encounter),
            ["effectiveDateTime"] = DayDates.At(c.AdmissionDate, d.Day),
            ["result"] = Array(results.Select(r => (JsonNode)Reference(r))),
            ["conclusion"] = d.Summary,
            ["conclusionCode"] = new JsonArray(Concept(null,
                Coding(FhirSystems.Interpretation, interpretation.Code, interpretation.Display),
                Coding(Codes.DiagnosticResult, d.Result.ToCode()))),
        };
    }

    private static IEnumerable<(Guid Id, JsonObject Resource)> DiagnosticObservations(CaseResponse c, DiagnosticResponse d, string patient, string encounter)
    {
        var effective = DayDates.At(c.AdmissionDate, d.Day);
        var category = FhirVocabulary.ObservationCategory(d.Kind);
        JsonObject Base(string observationCategory, JsonObject code, params Measurement[] vitalSigns) => new()
        {
            ["meta"] = MeetsVitalSignsProfile(effective, vitalSigns) ? new JsonObject { ["profile"] = new JsonArray(FhirSystems.VitalSignsProfile) } : null,
            ["extension"] = DayOffset(d.Day),
            ["status"] = "final",
            ["category"] = new JsonArray(Concept(null, Coding(FhirSystems.ObservationCategory, observationCategory))),
            ["code"] = code,
            ["subject"] = Reference(patient),
            ["encounter"] = Reference(encounter),
            ["effectiveDateTime"] = effective,
        };

        for (var i = 0; i < d.Findings.Count; i++)
        {
            var finding = Base(category, Concept("Finding", Coding(Codes.Observation, "finding", "Finding")));
            finding["valueString"] = d.Findings[i];
            yield return (DerivedId(d.Id, $"finding/{i}"), finding);
        }

        for (var i = 0; i < d.Measurements.Count; i++)
        {
            var m = d.Measurements[i];
            if (m.Name == "systolic-blood-pressure" && i + 1 < d.Measurements.Count && d.Measurements[i + 1].Name == "diastolic-blood-pressure")
            {
                var panel = Base("vital-signs", Concept("Blood pressure",
                    Coding(FhirSystems.Loinc, FhirVocabulary.BloodPressurePanel.Code, FhirVocabulary.BloodPressurePanel.Display)), m, d.Measurements[i + 1]);
                panel["component"] = new JsonArray(Component(m), Component(d.Measurements[i + 1]));
                yield return (DerivedId(d.Id, $"measurement/{i}"), panel);
                i++;
                continue;
            }
            var loinc = FhirVocabulary.Measurements.GetValueOrDefault(m.Name);
            var vitalSign = loinc?.VitalSign == true;
            var observation = vitalSign ? Base("vital-signs", MeasurementCode(m.Name), m) : Base(category, MeasurementCode(m.Name));
            observation["valueQuantity"] = Quantity(m.Value, m.Unit);
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

    private static JsonObject Component(Measurement m) => new() { ["code"] = MeasurementCode(m.Name), ["valueQuantity"] = Quantity(m.Value, m.Unit) };

    private static JsonObject MeasurementCode(string name)
    {
        var loinc = FhirVocabulary.Measurements.GetValueOrDefault(name);
        return Concept(loinc?.Display ?? name,
            loinc is null ? null : Coding(FhirSystems.Loinc, loinc.Code, loinc.Display),
            Coding(Codes.Measurement, name));
    }

    private static JsonObject Medication(MedicationResponse m) => new()
    {
        ["code"] = Concept(m.ProductName,
            m.AtcCode is { } atc ? Coding(FhirSystems.Atc, atc, m.DrugName) : null,
            Coding(Codes.Drug, m.Drug, m.DrugName)),
        ["form"] = m.Form is null ? null : Concept(m.Form),
    };

    private static JsonObject MedicationStatement(CaseResponse c, MedicationResponse m, string medication, string patient, string encounter)
    {
        var route = FhirVocabulary.Route(m.Route);
        return new()
        {
            ["extension"] = Array([
                m.StartDay is { } start ? Extension(Ext.StartDay, "valueInteger", start) : null,
                m.EndDay is { } end ? Extension(Ext.EndDay, "valueInteger", end) : null,
                m.Ending is { } ending ? Extension(Ext.MedicationEnding, "valueCode", ending.ToCode()) : null,
                .. m.Adjustments.Select(a => new JsonObject
                {
                    ["url"] = Ext.DoseAdjustment,
                    ["extension"] = Array([
                        Extension("day", "valueInteger", a.Day),
                        Extension("change", "valueCode", a.Change.ToCode()),
                        a.Note is null ? null : Extension("note", "valueString", a.Note),
                    ]),
                }),
            ]),
            ["status"] = m.Ending switch
            {
                Ending.Completed or Ending.Tapered => "completed",
                Ending.Stopped => "stopped",
                Ending.Ongoing => "active",
                _ => "unknown",
            },
            ["category"] = Concept(null,
                m.Setting is Setting.Inpatient or Setting.Outpatient ? Coding(FhirSystems.MedicationStatementCategory, m.Setting.ToCode()) : null,
                Coding(Codes.Setting, m.Setting.ToCode())),
            ["medicationReference"] = Reference(medication),
            ["subject"] = Reference(patient),
            ["context"] = Reference(encounter),
            ["effectivePeriod"] = new JsonObject
            {
                ["start"] = DayDates.At(c.AdmissionDate, m.StartDay),
                ["end"] = DayDates.At(c.AdmissionDate, m.EndDay),
            },
            ["reasonCode"] = m.Purpose is null ? null : new JsonArray(Concept(m.Purpose)),
            ["dosage"] = new JsonArray(new JsonObject
            {
                ["text"] = DosageText(m),
                ["timing"] = m.Frequency is null ? null : new JsonObject { ["code"] = Concept(m.Frequency) },
                ["route"] = Concept(m.Route.ToCode(), route is { } r ? Coding(FhirSystems.Snomed, r.Code, r.Display) : null, Coding(Codes.Route, m.Route.ToCode())),
                ["doseAndRate"] = m.Dose is { } dose ? new JsonArray(new JsonObject { ["doseQuantity"] = Quantity(dose.Amount, dose.Unit) }) : null,
            }),
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

    private static JsonObject Outcome(CaseResponse c, OutcomeResponse o, string patient, string encounter, string condition) => new()
    {
        ["extension"] = DayOffset(o.Day),
        ["status"] = "final",
        ["category"] = new JsonArray(Concept(null, Coding(FhirSystems.ObservationCategory, "exam"))),
        ["code"] = Concept("Hemifacial spasm outcome assessment", Coding(Codes.Observation, "hfs-outcome", "Hemifacial spasm outcome assessment")),
        ["subject"] = Reference(patient),
        ["focus"] = new JsonArray(Reference(condition)),
        ["encounter"] = Reference(encounter),
        ["effectiveDateTime"] = DayDates.At(c.AdmissionDate, o.Day),
        ["valueCodeableConcept"] = Concept(o.Status.ToCode(), Coding(Codes.OutcomeStatus, o.Status.ToCode())),
        ["note"] = o.Notes is null ? null : new JsonArray(new JsonObject { ["text"] = o.Notes }),
        ["method"] = Concept(o.Method.ToCode(), Coding(Codes.AssessmentMethod, o.Method.ToCode())),
        ["component"] = Array([
            o.Severity is { } s ? new JsonObject
            {
                ["code"] = Concept($"Severity ({s.Scale.ToCode()})", Coding(Codes.SeverityScale, s.Scale.ToCode())),
                ["valueInteger"] = s.Score,
            } : null,
            o.Recurrence is { } recurrence ? new JsonObject
            {
                ["code"] = Concept("Recurrence", Coding(Codes.Observation, "recurrence", "Recurrence")),
                ["valueBoolean"] = recurrence,
            } : null,
            .. o.ResidualFindings.Select(f => new JsonObject
            {
                ["code"] = Concept("Residual finding", Coding(Codes.Observation, "residual-finding", "Residual finding")),
                ["valueString"] = f,
            }),
        ]),
    };

    private static JsonArray? DayOffset(int? day) => day is { } d ? new JsonArray(Extension(Ext.DayOffset, "valueInteger", d)) : null;

    private static JsonObject Days(int days) => new() { ["value"] = days, ["unit"] = "days", ["system"] = FhirSystems.Ucum, ["code"] = "d" };
}
