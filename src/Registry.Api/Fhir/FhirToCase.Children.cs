using System.Text.Json.Nodes;
using Registry.Api.Cases;
using Registry.Api.Common;
using Registry.Api.Diagnostics;
using Registry.Api.Medications;
using Registry.Api.Outcomes;
using Registry.Api.Patients;
using Registry.Api.Vocabulary;
using Route = Registry.Api.Medications.Route;
using Codes = Registry.Api.Fhir.FhirSystems.Codes;
using Ext = Registry.Api.Fhir.FhirSystems.Ext;

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
            var r = entry.Resource;
            var i = list.Count;
            var field = $"diagnostics[{i}]";
            Map(field, r.Path);
            Map($"{field}.kind", r.At("code"));
            Map($"{field}.result", r.At("conclusionCode"));
            Map($"{field}.summary", r.At("conclusion"));
            Map($"{field}.day", r.Extension(Ext.DayOffset)?.At("valueInteger") ?? r.Path);

            var kind = Required(r.Object("code")?.Enum<DiagnosticKind>(Codes.DiagnosticKind), r, $"code: a coding of {Codes.DiagnosticKind}", "code");
            DiagnosticResult? result = null;
            var conclusion = r.Array("conclusionCode").FirstOrDefault();
            if (conclusion?.Code(Codes.DiagnosticResult) is not null) result = conclusion.Enum<DiagnosticResult>(Codes.DiagnosticResult);
            else result = conclusion?.Code(FhirSystems.Interpretation)?.Code switch
            {
                "N" => DiagnosticResult.Normal, "A" => DiagnosticResult.Abnormal, "IND" => DiagnosticResult.Inconclusive, _ => null,
            };

            var findings = new List<string>();
            var measurements = new List<MeasurementRequest>();
            foreach (var reference in r.Array("result"))
            {
                if (Resolve(reference, "Observation") is not { } observation) continue;
                Use(observation);
                var o = observation.Resource;
                if (o.Object("code")?.Code(Codes.Observation) is { Code: "finding" })
                {
                    Map($"{field}.findings[{findings.Count}]", o.At("valueString"));
                    findings.Add(Required(o.String("valueString"), o, "valueString (the finding)", "valueString") ?? "");
                }
                else if (o.Has("component"))
                    foreach (var component in o.Array("component"))
                        measurements.Add(ReadMeasurement(component, $"{field}.measurements[{measurements.Count}]"));
                else measurements.Add(ReadMeasurement(o, $"{field}.measurements[{measurements.Count}]"));
            }
            list.Add(new DiagnosticRequest(kind, Day(r, admission), result, findings, r.String("conclusion"), measurements));
        }
        return list;
    }

    private MeasurementRequest ReadMeasurement(FhirReader o, string field)
    {
        Map(field, o.Path);
        Map($"{field}.name", o.At("code"));
        Map($"{field}.value", o.At("valueQuantity.value"));
        Map($"{field}.unit", o.At("valueQuantity.code"));
        var code = o.Object("code");
        var name = code?.Code(Codes.Measurement)?.Code
            ?? (code?.Code(FhirSystems.Loinc) is { } loinc ? FhirVocabulary.MeasurementForLoinc(loinc.Code) : null);
        if (name is null) o.Fail("code-invalid", "code", $"A measurement needs a coding of {Codes.Measurement} or a LOINC vital-sign code the registry knows.");
        var quantity = o.Object("valueQuantity");
        if (quantity is null) o.Fail("required", "valueQuantity", "A measurement needs a valueQuantity.");
        else if (quantity.String("system") is { } system && system != FhirSystems.Ucum) quantity.Fail("code-invalid", "system", $"Units must be UCUM ({FhirSystems.Ucum}).");
        return new MeasurementRequest(name, quantity?.Decimal("value"), quantity?.String("code") ?? quantity?.String("unit"));
    }

    private List<MedicationRequest> ReadMedications(string? admission)
    {
        var list = new List<MedicationRequest>();
        var byAtc = drugs.Values.Where(d => d.AtcCode is not null).GroupBy(d => d.AtcCode!).Where(g => g.Count() == 1)
            .ToDictionary(g => g.Key, g => g.Single().Code, StringComparer.Ordinal);
        foreach (var entry in OfType("MedicationStatement"))
        {
            Use(entry);
            var s = entry.Resource;
            var field = $"medications[{list.Count}]";
            Map(field, s.Path);

            FhirReader? concept = null;
            FhirReader? medication = null;
            if (s.Has("medicationReference") && Resolve(s.Object("medicationReference"), "Medication") is { } m)
            {
                medication = Use(m).Resource;
                concept = medication.Object("code");
            }
            else concept = s.Object("medicationCodeableConcept");
            var codePath = concept?.Path ?? s.At("medicationReference");
            Map($"{field}.drug", codePath);
            Map($"{field}.productName", codePath + ".text");
            Map($"{field}.form", medication?.At("form") ?? s.Path);

            var drug = concept?.Code(Codes.Drug)?.Code;
            if (drug is null && concept?.Code(FhirSystems.Atc) is { } atc)
            {
                drug = byAtc.GetValueOrDefault(atc.Code);
                if (drug is null) Issue("code-invalid", atc.Path, $"ATC code '{atc.Code}' matches no drug of the registry's vocabulary (registry field {field}.drug). {DrugCatalog.HowToFindCodes}");
            }
            else if (drug is null) Issue("required", codePath, $"The medication needs a coding of {Codes.Drug} or an ATC code ({FhirSystems.Atc}) (registry field {field}.drug).");

            var dosages = s.Array("dosage");
            if (dosages.Count > 1) s.Fail("not-supported", "dosage[1]", "The registry holds one dosage per medication; record dose changes as dose-adjustment extensions.");
            var dosage = dosages.FirstOrDefault();
            Map($"{field}.route", dosage?.At("route") ?? s.At("dosage"));
            Map($"{field}.dose", dosage?.At("doseAndRate[0].doseQuantity") ?? s.At("dosage"));
            Map($"{field}.frequency", dosage?.At("timing.code.text") ?? s.At("dosage"));
            Map($"{field}.setting", s.At("category"));
            Map($"{field}.purpose", s.At("reasonCode"));
            Map($"{field}.startDay", s.Extension(Ext.StartDay)?.Path ?? s.Path);
            Map($"{field}.endDay", s.Extension(Ext.EndDay)?.Path ?? s.Path);

            var routeConcept = dosage?.Object("route");
            Route? route = null;
            if (routeConcept?.Code(Codes.Route) is not null) route = routeConcept.Enum<Route>(Codes.Route);
            else if (routeConcept?.Code(FhirSystems.Snomed) is { } sct)
                route = Enum.GetValues<Route>().Cast<Route?>().FirstOrDefault(r => FhirVocabulary.Route(r!.Value)?.Code == sct.Code)
                    ?? Required<Route>(null, routeConcept, $"a coding of {Codes.Route} or a SNOMED CT route the registry knows");

            var quantity = dosage?.Array("doseAndRate").FirstOrDefault()?.Object("doseQuantity");
            var categoryConcept = s.Object("category");
            Setting? setting = null;
            if (categoryConcept?.Code(Codes.Setting) is not null) setting = categoryConcept.Enum<Setting>(Codes.Setting);
            else setting = categoryConcept?.Code(FhirSystems.MedicationStatementCategory)?.Code switch
            {
                "inpatient" => Setting.Inpatient, "outpatient" => Setting.Outpatient, _ => null,
            };

            var ending = s.Extension(Ext.MedicationEnding) is { } endingExt
                ? (KebabEnum.TryParse<Ending>(endingExt.String("valueCode") ?? "", out var en) ? en
                    : Required<Ending>(null, endingExt, $"valueCode: one of {string.Join(", ", KebabEnum.AllCodes<Ending>())}", "valueCode"))
                : s.String("status") switch
                {
                    "completed" => Ending.Completed, "stopped" => Ending.Stopped, "active" => Ending.Ongoing, _ => (Ending?)null,
                };

            var adjustments = new List<AdjustmentRequest>();
            foreach (var adjustment in s.Extensions(Ext.DoseAdjustment))
            {
                var j = adjustments.Count;
                Map($"{field}.adjustments[{j}]", adjustment.Path);
                int? day = null;
                DoseChange? change = null;
                string? note = null;
                foreach (var part in adjustment.Array("extension"))
                    switch (part.String("url"))
                    {
                        case "day": day = part.Int("valueInteger"); Map($"{field}.adjustments[{j}].day", part.At("valueInteger")); break;
                        case "change":
                            var code = part.String("valueCode");
                            if (code is not null && KebabEnum.TryParse<DoseChange>(code, out var dc)) change = dc;
                            else part.Fail("code-invalid", "valueCode", $"Use one of: {string.Join(", ", KebabEnum.AllCodes<DoseChange>())}.");
                            break;
                        case "note": note = part.String("valueString"); break;
                        default: part.Fail("extension", "url", "dose-adjustment has parts day, change and note only."); break;
                    }
                adjustments.Add(new AdjustmentRequest(day, change, note));
            }

            list.Add(new MedicationRequest(
                drug, concept?.String("text"), route, medication?.Object("form")?.String("text"),
                quantity is null ? null : new DoseRequest(quantity.Decimal("value"), quantity.String("code") ?? quantity.String("unit")),
                dosage?.Object("timing")?.Object("code")?.String("text"),
                ExtInt(s, Ext.StartDay) ?? DayDates.DayOf(admission, s.Object("effectivePeriod")?.String("start")),
                ExtInt(s, Ext.EndDay) ?? DayDates.DayOf(admission, s.Object("effectivePeriod")?.String("end")),
                setting,
                s.Array("reasonCode").Select(r => r.String("text")).OfType<string>().ToList() is { Count: > 0 } reasons ? string.Join("; ", reasons) : null,
                adjustments, ending));
        }
        return list;
    }

    private List<OutcomeRequest> ReadOutcomes(string? admission)
    {
        var list = new List<OutcomeRequest>();
        foreach (var entry in OfType("Observation").Where(e => !e.Used && e.Resource.Object("code")?.Code(Codes.Observation) is { Code: "hfs-outcome" }))
        {
            Use(entry);
            var o = entry.Resource;
            var field = $"outcomes[{list.Count}]";
            Map(field, o.Path);
            Map($"{field}.day", o.Extension(Ext.DayOffset)?.At("valueInteger") ?? o.Path);
            Map($"{field}.method", o.At("method"));
            Map($"{field}.status", o.At("valueCodeableConcept"));
            Map($"{field}.notes", o.At("note"));

            SeverityRequest? severity = null;
            bool? recurrence = null;
            var residual = new List<string>();
            foreach (var component in o.Array("component"))
            {
                var code = component.Object("code");
                if (code?.Code(Codes.SeverityScale) is not null)
                {
                    Map($"{field}.severity", component.Path);
                    Map($"{field}.severity.scale", component.At("code"));
                    Map($"{field}.severity.score", component.At("valueInteger"));
                    severity = new SeverityRequest(code.Enum<SeverityScale>(Codes.SeverityScale), component.Int("valueInteger"));
                }
                else if (code?.Code(Codes.Observation)?.Code is "recurrence")
                {
                    Map($"{field}.recurrence", component.At("valueBoolean"));
                    recurrence = component.Bool("valueBoolean");
                }
                else if (code?.Code(Codes.Observation)?.Code is "residual-finding")
                {
                    Map($"{field}.residualFindings[{residual.Count}]", component.At("valueString"));
                    residual.Add(component.String("valueString") ?? "");
                }
                else component.Fail("code-invalid", "code", $"An outcome component is a severity ({Codes.SeverityScale}), recurrence or residual-finding ({Codes.Observation}).");
            }
            list.Add(new OutcomeRequest(
                Day(o, admission),
                o.Object("method")?.Enum<AssessmentMethod>(Codes.AssessmentMethod),
                o.Object("valueCodeableConcept")?.Enum<OutcomeStatus>(Codes.OutcomeStatus),
                severity, recurrence, residual, Notes(o)));
        }
        return list;
    }
}
