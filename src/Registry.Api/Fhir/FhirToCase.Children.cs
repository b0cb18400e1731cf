using Hl7.Fhir.Model;
using Registry.Api.Common;
using Registry.Api.Diagnostics;
using Registry.Api.Drugs;
using Registry.Api.Medications;
using Registry.Api.Outcomes;
using Codes = Registry.Api.Fhir.FhirSystems.Codes;
using Ext = Registry.Api.Fhir.FhirSystems.Ext;
using Medication = Hl7.Fhir.Model.Medication;
using MedicationRequest = Registry.Api.Medications.MedicationRequest;
using Route = Registry.Api.Medications.Route;
using StatementStatus = Hl7.Fhir.Model.MedicationStatement.MedicationStatusCodes;

namespace Registry.Api.Fhir;

/// <summary>The case's children: DiagnosticReports with their Observations, MedicationStatements, outcome Observations.</summary>
public sealed partial class FhirToCase
{
    private List<DiagnosticRequest> ReadDiagnostics(string? admission)
    {
        var list = new List<DiagnosticRequest>();
        foreach (var entry in OfType("DiagnosticReport"))
        {
            Use(entry);
            var r = (DiagnosticReport)entry.Resource;
            var field = $"diagnostics[{list.Count}]";
            Map(field, entry.Path);
            Map($"{field}.kind", entry.At("code"));
            Map($"{field}.result", entry.At("conclusionCode"));
            Map($"{field}.summary", entry.At("conclusion"));
            Map($"{field}.day", Extension(r, entry.Path, Ext.DayOffset) is { } day ? $"{day.Path}.valueInteger" : entry.Path);

            var kind = Required(Enum<DiagnosticKind>(Code(r.Code, entry.At("code"), Codes.DiagnosticKind), Codes.DiagnosticKind),
                entry.At("code"), $"code: a coding of {Codes.DiagnosticKind}");
            var conclusion = r.ConclusionCode.FirstOrDefault();
            var result = Code(conclusion, entry.At("conclusionCode[0]"), Codes.DiagnosticResult) is { } registry
                ? Enum<DiagnosticResult>(registry, Codes.DiagnosticResult)
                : Code(conclusion, "", FhirSystems.Interpretation)?.Code switch
                {
                    "N" => DiagnosticResult.Normal, "A" => DiagnosticResult.Abnormal, "IND" => DiagnosticResult.Inconclusive, _ => (DiagnosticResult?)null,
                };

            var findings = new List<string>();
            var measurements = new List<MeasurementRequest>();
            for (var k = 0; k < r.Result.Count; k++)
            {
                if (Resolve(r.Result[k], entry.At($"result[{k}]"), "Observation") is not { } observation) continue;
                Use(observation);
                var o = (Observation)observation.Resource;
                if (Code(o.Code, "", Codes.Observation) is { Code: "finding" })
                {
                    Map($"{field}.findings[{findings.Count}]", observation.At("valueString"));
                    findings.Add(Required((o.Value as FhirString)?.Value, observation.At("valueString"), "valueString (the finding)") ?? "");
                }
                else if (o.Component.Count > 0)
                    for (var j = 0; j < o.Component.Count; j++)
                        measurements.Add(ReadMeasurement(o.Component[j].Code, o.Component[j].Value, observation.At($"component[{j}]"), $"{field}.measurements[{measurements.Count}]"));
                else measurements.Add(ReadMeasurement(o.Code, o.Value, observation.Path, $"{field}.measurements[{measurements.Count}]"));
            }
            list.Add(new DiagnosticRequest(kind, Day(r, entry.Path, r.Effective, admission), result, findings, r.Conclusion, measurements));
        }
        return list;
    }

    private MeasurementRequest ReadMeasurement(CodeableConcept? code, DataType? value, string path, string field)
    {
        Map(field, path);
        Map($"{field}.name", $"{path}.code");
        Map($"{field}.value", $"{path}.valueQuantity.value");
        Map($"{field}.unit", $"{path}.valueQuantity.code");
        var name = Code(code, $"{path}.code", Codes.Measurement)?.Code
            ?? (Code(code, $"{path}.code", FhirSystems.Loinc) is { } loinc ? FhirVocabulary.MeasurementForLoinc(loinc.Code) : null);
        if (name is null) Issue("code-invalid", $"{path}.code", $"A measurement needs a coding of {Codes.Measurement} or a LOINC vital-sign code the registry knows.");
        var quantity = value as Quantity;
        if (quantity is null) Issue("required", $"{path}.valueQuantity", "A measurement needs a valueQuantity.");
        else if (quantity.System is { } system && system != FhirSystems.Ucum) Issue("code-invalid", $"{path}.valueQuantity.system", $"Units must be UCUM ({FhirSystems.Ucum}).");
        return new MeasurementRequest(name, quantity?.Value, quantity?.Code ?? quantity?.Unit);
    }

    private List<MedicationRequest> ReadMedications(string? admission)
    {
        var list = new List<MedicationRequest>();
        var byAtc = drugs.Values.Where(d => d.AtcCode is not null).GroupBy(d => d.AtcCode!).Where(g => g.Count() == 1)
            .ToDictionary(g => g.Key, g => g.Single().Code, StringComparer.Ordinal);
        foreach (var entry in OfType("MedicationStatement"))
        {
            Use(entry);
            var s = (MedicationStatement)entry.Resource;
            var field = $"medications[{list.Count}]";
            Map(field, entry.Path);

            Medication? medication = null;
            string? medicationPath = null;
            var concept = s.Medication as CodeableConcept;
            var codePath = concept is null ? entry.At("medicationReference") : entry.At("medicationCodeableConcept");
            if (s.Medication is ResourceReference reference && Resolve(reference, entry.At("medicationReference"), "Medication") is { } m)
            {
                medication = (Medication)Use(m).Resource;
                medicationPath = m.Path;
                concept = medication.Code;
                if (concept is not null) codePath = m.At("code");
            }
            Map($"{field}.drug", codePath);
            Map($"{field}.productName", codePath + ".text");
            Map($"{field}.form", medicationPath is null ? entry.Path : $"{medicationPath}.form");

            var drug = Code(concept, codePath, Codes.Drug)?.Code;
            if (drug is null && Code(concept, codePath, FhirSystems.Atc) is { } atc)
            {
                drug = byAtc.GetValueOrDefault(atc.Code);
                if (drug is null) Issue("code-invalid", atc.Path, $"ATC code '{atc.Code}' matches no drug of the registry's vocabulary (registry field {field}.drug). {DrugCatalog.HowToFindCodes}");
            }
            else if (drug is null) Issue("required", codePath, $"The medication needs a coding of {Codes.Drug} or an ATC code ({FhirSystems.Atc}) (registry field {field}.drug).");

            if (s.Dosage.Count > 1) Issue("not-supported", entry.At("dosage[1]"), "The registry holds one dosage per medication; record dose changes as dose-adjustment extensions.");
            var dosage = s.Dosage.FirstOrDefault();
            Map($"{field}.route", dosage is null ? entry.At("dosage") : entry.At("dosage[0].route"));
            Map($"{field}.dose", dosage is null ? entry.At("dosage") : entry.At("dosage[0].doseAndRate[0].doseQuantity"));
            Map($"{field}.frequency", dosage is null ? entry.At("dosage") : entry.At("dosage[0].timing.code.text"));
            Map($"{field}.setting", entry.At("category"));
            Map($"{field}.purpose", entry.At("reasonCode"));
            Map($"{field}.startDay", Extension(s, entry.Path, Ext.StartDay)?.Path ?? entry.Path);
            Map($"{field}.endDay", Extension(s, entry.Path, Ext.EndDay)?.Path ?? entry.Path);

            var routePath = entry.At("dosage[0].route");
            Route? route = null;
            if (Code(dosage?.Route, routePath, Codes.Route) is { } registryRoute) route = Enum<Route>(registryRoute, Codes.Route);
            else if (Code(dosage?.Route, routePath, FhirSystems.Snomed) is { } sct)
                route = System.Enum.GetValues<Route>().Cast<Route?>().FirstOrDefault(r => FhirVocabulary.Route(r!.Value)?.Code == sct.Code)
                    ?? Required<Route>(null, routePath, $"a coding of {Codes.Route} or a SNOMED CT route the registry knows");

            var quantity = dosage?.DoseAndRate.FirstOrDefault()?.Dose as Quantity;
            Setting? setting = Code(s.Category, entry.At("category"), Codes.Setting) is { } registrySetting
                ? Enum<Setting>(registrySetting, Codes.Setting)
                : Code(s.Category, "", FhirSystems.MedicationStatementCategory)?.Code switch
                {
                    "inpatient" => Setting.Inpatient, "outpatient" => Setting.Outpatient, _ => null,
                };

            var ending = Extension(s, entry.Path, Ext.MedicationEnding) is { } endingExt
                ? (KebabEnum.TryParse<Ending>((endingExt.Extension.Value as Code)?.Value ?? "", out var en) ? en
                    : Required<Ending>(null, $"{endingExt.Path}.valueCode", $"valueCode: one of {string.Join(", ", KebabEnum.AllCodes<Ending>())}"))
                : s.Status switch
                {
                    StatementStatus.Completed => Ending.Completed, StatementStatus.Stopped => Ending.Stopped, StatementStatus.Active => Ending.Ongoing, _ => (Ending?)null,
                };

            list.Add(new MedicationRequest(
                drug, concept?.Text, route, medication?.Form?.Text,
                quantity is null ? null : new DoseRequest(quantity.Value, quantity.Code ?? quantity.Unit),
                dosage?.Timing?.Code?.Text,
                ExtInt(s, entry.Path, Ext.StartDay) ?? DayDates.DayOf(admission, (s.Effective as Period)?.Start),
                ExtInt(s, entry.Path, Ext.EndDay) ?? DayDates.DayOf(admission, (s.Effective as Period)?.End),
                setting,
                s.ReasonCode.Select(r => r.Text).OfType<string>().ToList() is { Count: > 0 } reasons ? string.Join("; ", reasons) : null,
                ReadAdjustments(s, entry.Path, field), ending));
        }
        return list;
    }

    /// <summary>The dose-adjustment extensions; CheckExtensions has made sure their parts are day, change and note, of their types.</summary>
    private List<AdjustmentRequest> ReadAdjustments(MedicationStatement s, string path, string field)
    {
        var adjustments = new List<AdjustmentRequest>();
        foreach (var (adjustment, at) in Extensions(s, path, Ext.DoseAdjustment))
        {
            var j = adjustments.Count;
            Map($"{field}.adjustments[{j}]", at);
            int? day = null;
            DoseChange? change = null;
            string? note = null;
            for (var k = 0; k < adjustment.Extension.Count; k++)
            {
                var part = adjustment.Extension[k];
                switch (part.Url)
                {
                    case "day":
                        day = (part.Value as Integer)?.Value;
                        Map($"{field}.adjustments[{j}].day", $"{at}.extension[{k}].valueInteger");
                        break;
                    case "change":
                        if ((part.Value as Code)?.Value is { } code && KebabEnum.TryParse<DoseChange>(code, out var dc)) change = dc;
                        else Issue("code-invalid", $"{at}.extension[{k}].valueCode", $"Use one of: {string.Join(", ", KebabEnum.AllCodes<DoseChange>())}.");
                        break;
                    case "note": note = (part.Value as FhirString)?.Value; break;
                }
            }
            adjustments.Add(new AdjustmentRequest(day, change, note));
        }
        return adjustments;
    }

    private List<OutcomeRequest> ReadOutcomes(string? admission)
    {
        var list = new List<OutcomeRequest>();
        foreach (var entry in OfType("Observation").Where(e => !e.Used && Code(((Observation)e.Resource).Code, "", Codes.Observation) is { Code: "hfs-outcome" }))
        {
            Use(entry);
            var o = (Observation)entry.Resource;
            var field = $"outcomes[{list.Count}]";
            Map(field, entry.Path);
            Map($"{field}.day", Extension(o, entry.Path, Ext.DayOffset) is { } day ? $"{day.Path}.valueInteger" : entry.Path);
            Map($"{field}.method", entry.At("method"));
            Map($"{field}.status", entry.At("valueCodeableConcept"));
            Map($"{field}.notes", entry.At("note"));

            SeverityRequest? severity = null;
            bool? recurrence = null;
            var residual = new List<string>();
            for (var j = 0; j < o.Component.Count; j++)
            {
                var component = o.Component[j];
                var path = entry.At($"component[{j}]");
                if (Code(component.Code, $"{path}.code", Codes.SeverityScale) is { } scale)
                {
                    Map($"{field}.severity", path);
                    Map($"{field}.severity.scale", $"{path}.code");
                    Map($"{field}.severity.score", $"{path}.valueInteger");
                    severity = new SeverityRequest(Enum<SeverityScale>(scale, Codes.SeverityScale), Whole(component.Value, $"{path}.valueInteger"));
                }
                else if (Code(component.Code, "", Codes.Observation)?.Code is "recurrence")
                {
                    Map($"{field}.recurrence", $"{path}.valueBoolean");
                    recurrence = (component.Value as FhirBoolean)?.Value;
                }
                else if (Code(component.Code, "", Codes.Observation)?.Code is "residual-finding")
                {
                    Map($"{field}.residualFindings[{residual.Count}]", $"{path}.valueString");
                    residual.Add((component.Value as FhirString)?.Value ?? "");
                }
                else Issue("code-invalid", $"{path}.code", $"An outcome component is a severity ({Codes.SeverityScale}), recurrence or residual-finding ({Codes.Observation}).");
            }
            list.Add(new OutcomeRequest(
                Day(o, entry.Path, o.Effective, admission),
                Enum<AssessmentMethod>(Code(o.Method, entry.At("method"), Codes.AssessmentMethod), Codes.AssessmentMethod),
                Enum<OutcomeStatus>(Code(o.Value as CodeableConcept, entry.At("valueCodeableConcept"), Codes.OutcomeStatus), Codes.OutcomeStatus),
                severity, recurrence, residual, Notes(o.Note)));
        }
        return list;
    }

    /// <summary>A score: a valueInteger; any other value type is an issue (a component's value[x] may be any type).</summary>
    private int? Whole(DataType? value, string path)
    {
        if (value is null or Integer) return (value as Integer)?.Value;
        Issue("value", path, "Must be a whole number (valueInteger).");
        return null;
    }
}
