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

/// <summary>What reading a transaction bundle came to: a case document, or the issues (400 malformed, 422 unmappable).</summary>
public sealed record FhirImport(CaseDocument? Document, List<FhirIssue> Issues, int Status, IReadOnlyDictionary<string, string> Paths)
{
    /// <summary>
    /// The FHIRPath of the element a registry field (a validator key such as outcomes[0].severity.score) came
    /// from: the most specific mapped path that prefixes it, else the Bundle.
    /// </summary>
    public string ExpressionFor(string field)
    {
        for (var key = field; key.Length > 0; key = Parent(key))
            if (Paths.TryGetValue(key, out var expression)) return expression;
        return "Bundle";
    }

    private static string Parent(string key)
    {
        var cut = Math.Max(key.LastIndexOf('.'), key.LastIndexOf('['));
        return cut <= 0 ? "" : key[..cut];
    }
}

/// <summary>
/// Reads a FHIR R4 transaction Bundle shaped as CaseToFhir writes it (docs/fhir.md) into a CaseDocument, the
/// same document POST /cases takes, so the same validator and writer apply. Strict: an element, extension or
/// resource the registry cannot hold is an issue naming it, never silently dropped.
/// </summary>
public sealed partial class FhirToCase(IReadOnlyDictionary<string, Drug> drugs)
{
    private static readonly string[] Common = ["resourceType", "id", "meta", "text", "extension"];

    private static readonly Dictionary<string, (string[] Elements, string[] Extensions)> Supported = new()
    {
        ["Organization"] = (["identifier", "active", "name", "alias", "address"], []),
        ["Patient"] = (["identifier", "active", "gender", "birthDate", "managingOrganization"], []),
        ["Encounter"] = (["identifier", "status", "class", "subject", "period", "length", "diagnosis", "serviceProvider"],
            [Ext.AgeAtPresentation, Ext.FollowUpDays, Ext.SupportiveCare, Ext.CaseNotes]),
        ["Condition"] = (["clinicalStatus", "verificationStatus", "category", "code", "bodySite", "subject", "encounter",
                "onsetDateTime", "onsetString", "recordedDate", "note"],
            [Ext.AffectedSide, Ext.Etiology, Ext.Trigger, Ext.PresentDuringSleep, Ext.AssociatedSymptom, Ext.SymptomDuration, Ext.MonthsBefore]),
        ["DiagnosticReport"] = (["status", "category", "code", "subject", "encounter", "effectiveDateTime", "issued", "result",
            "conclusion", "conclusionCode"], [Ext.DayOffset]),
        ["Observation"] = (["status", "category", "code", "subject", "focus", "encounter", "effectiveDateTime", "issued",
            "valueQuantity", "valueString", "valueCodeableConcept", "method", "note", "component"], [Ext.DayOffset]),
        ["Medication"] = (["code", "form"], []),
        ["MedicationStatement"] = (["status", "category", "medicationReference", "medicationCodeableConcept", "subject", "context",
            "effectivePeriod", "effectiveDateTime", "reasonCode", "dosage"], [Ext.StartDay, Ext.EndDay, Ext.MedicationEnding, Ext.DoseAdjustment]),
    };

    private readonly List<FhirIssue> _issues = [];
    private readonly Dictionary<string, string> _paths = new(StringComparer.Ordinal);
    private readonly List<Entry> _entries = [];
    private readonly Dictionary<string, Entry> _byUrl = new(StringComparer.Ordinal);

    private sealed record Entry(int Index, string FullUrl, string Type, FhirReader Resource)
    {
        public bool Used { get; set; }
    }

    public FhirImport Read(JsonNode? root)
    {
        ReadEnvelope(root);
        if (_issues.Count > 0) return Fail(StatusCodes.Status400BadRequest);
        CheckResources();
        var document = _issues.Count > 0 ? null : Map();
        if (_issues.Count > 0) return Fail(StatusCodes.Status422UnprocessableEntity);
        return new FhirImport(document, [], StatusCodes.Status200OK, _paths);
    }

    private FhirImport Fail(int status) => new(null, _issues, status, _paths);

    private void Issue(string code, string expression, string message) => _issues.Add(new FhirIssue(code, expression, message));

    /// <summary>The Bundle itself: a transaction whose entries each have a unique fullUrl, a resource and a POST request.</summary>
    private void ReadEnvelope(JsonNode? root)
    {
        if (root is not JsonObject obj)
        {
            Issue("structure", "Bundle", "The body must be a FHIR resource (a JSON object).");
            return;
        }
        var bundle = new FhirReader(obj, "Bundle", _issues);
        var resourceType = bundle.String("resourceType");
        if (resourceType != "Bundle")
        {
            Issue("structure", "Bundle.resourceType", $"Expected a Bundle, got '{resourceType ?? "nothing"}'. POST /api/v1/fhir takes a transaction Bundle.");
            return;
        }
        if (bundle.String("type") != "transaction")
            Issue("value", "Bundle.type", "Must be 'transaction' (GET /api/v1/cases/{id}/fhir?bundleType=transaction gives one).");
        foreach (var key in obj.Select(p => p.Key).Where(k => k is not ("resourceType" or "id" or "meta" or "identifier" or "type" or "timestamp" or "entry")))
            Issue("not-supported", $"Bundle.{key}", $"Bundle.{key} is not supported by the registry.");

        var entries = bundle.Array("entry");
        if (entries.Count == 0) Issue("required", "Bundle.entry", "The Bundle has no entries.");
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            var fullUrl = entry.String("fullUrl");
            var resource = entry.Object("resource");
            var type = resource?.String("resourceType");
            if (fullUrl is null) Issue("required", entry.At("fullUrl"), "Each entry needs a fullUrl (urn:uuid:...) for references to resolve.");
            else if (!_byUrl.TryAdd(fullUrl, null!)) Issue("structure", entry.At("fullUrl"), $"fullUrl '{fullUrl}' appears more than once.");
            if (resource is null || type is null)
            {
                Issue("required", entry.At("resource.resourceType"), "Each entry needs a resource with a resourceType.");
                continue;
            }
            var request = entry.Object("request");
            if (request?.String("method") != "POST")
                Issue("value", entry.At("request.method"), "Transaction entries must be POST (the registry creates the case; conditional ifNoneExist is allowed).");
            else if (request.String("url") is { } url && url != type)
                Issue("value", entry.At("request.url"), $"Must be '{type}' for a POST of a {type}.");
            if (fullUrl is not null)
            {
                var e = new Entry(i, fullUrl, type, new FhirReader(resource.Node, entry.At("resource"), _issues));
                _entries.Add(e);
                _byUrl[fullUrl] = e;
            }
        }
    }

    /// <summary>Supported resource types and elements, known extensions, and references that resolve inside the bundle.</summary>
    private void CheckResources()
    {
        foreach (var e in _entries)
        {
            if (!Supported.TryGetValue(e.Type, out var supported))
            {
                Issue("not-supported", e.Resource.At("resourceType"),
                    $"The registry cannot hold a {e.Type}; supported: {string.Join(", ", Supported.Keys)}.");
                continue;
            }
            foreach (var key in e.Resource.Node.Select(p => p.Key).Where(k => !Common.Contains(k) && !supported.Elements.Contains(k)))
                Issue("not-supported", e.Resource.At(key), key == "name" && e.Type == "Patient"
                    ? "The registry holds no patient names: identify the patient by the hospital's pseudonym (Patient.identifier) only."
                    : $"{e.Type}.{key} has no place in the registry; remove it (docs/fhir.md lists what each resource carries).");
            foreach (var extension in e.Resource.Array("extension"))
                if (extension.String("url") is not { } url || !supported.Extensions.Contains(url))
                    Issue("extension", extension.Path, $"Unknown extension '{extension.String("url")}' on {e.Type}.");
            CheckReferences(e.Resource.Node, e.Resource.Path);
        }
    }

    private void CheckReferences(JsonNode? node, string path)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    if (key == "reference" && value is JsonValue v && v.TryGetValue<string>(out var reference) && !_byUrl.ContainsKey(reference))
                        Issue("not-found", $"{path}.reference", $"'{reference}' is not the fullUrl of any entry in the Bundle.");
                    else CheckReferences(value, $"{path}.{key}");
                }
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++) CheckReferences(array[i], $"{path}[{i}]");
                break;
        }
    }

    private List<Entry> OfType(string type) => _entries.Where(e => e.Type == type).ToList();

    private Entry? Single(string type, Func<Entry, bool>? filter = null, string? what = null)
    {
        var found = OfType(type).Where(filter ?? (_ => true)).ToList();
        if (found.Count == 1) return Use(found[0]);
        Issue(found.Count == 0 ? "required" : "structure", found.Count == 0 ? "Bundle.entry" : found[1].Resource.Path,
            $"The Bundle must hold exactly one {what ?? type}; it holds {found.Count}.");
        return null;
    }

    private static Entry Use(Entry e)
    {
        e.Used = true;
        return e;
    }

    private Entry? Resolve(FhirReader? reference, string type)
    {
        if (reference?.String("reference") is not { } url) return null;
        if (_byUrl.TryGetValue(url, out var e) && e.Type == type) return e;
        Issue("invalid", reference.At("reference"), $"Must refer to a {type} in the Bundle.");
        return null;
    }

    private void Map(string field, string expression) => _paths[field] = expression;

    private CaseDocument? Map()
    {
        var org = Single("Organization");
        var patient = Single("Patient");
        var encounter = Single("Encounter");
        var diagnosis = Single("Condition", e => !IsPriorPalsy(e), "Condition for the hemifacial spasm");
        var prior = Single("Condition", IsPriorPalsy, $"Condition coded {Codes.Condition}|prior-facial-palsy (verificationStatus confirmed, or refuted when there was none)");
        if (org is null || patient is null || encounter is null || diagnosis is null || prior is null) return null;

        var hospitalId = ReadHospital(org.Resource);
        var inline = ReadPatient(patient.Resource, hospitalId);
        var (history, priorNotes) = ReadHistory(prior.Resource);
        var c = diagnosis.Resource;
        var e = encounter.Resource;
        var admission = Date(e.Object("period"), "start");

        Map("hospitalId", org.Resource.At("identifier"));
        Map("patient", patient.Resource.Path);
        Map("patientId", patient.Resource.Path);
        Map("sourceCaseId", e.At("identifier"));
        Map("admissionDate", e.At("period.start"));
        Map("lengthOfStayDays", e.At("length"));
        Map("presentationDate", c.At("recordedDate"));
        Map("diagnosis", c.At("code"));
        Map("diagnosis.notes", c.At("note"));
        Map("history", prior.Resource.Path);
        Map("affectedRegions", c.At("bodySite"));
        Map("notes", e.Path);

        string? sourceCaseId = null;
        foreach (var identifier in e.Array("identifier"))
            if (hospitalId is { } h && identifier.String("system") == FhirSystems.SourceCaseSystem(h)) sourceCaseId = identifier.String("value");
            else identifier.Fail("not-supported", "system", $"Encounter identifiers must use the hospital's case system {FhirSystems.SourceCaseSystem(hospitalId ?? Guid.Empty)} (sourceCaseId).");

        var lengthOfStay = ReadDuration(e.Object("length"), "d");
        var document = new CaseDocument(
            PatientId: null,
            Patient: inline,
            HospitalId: hospitalId,
            SourceCaseId: sourceCaseId,
            AgeAtPresentation: ExtInt(e, Ext.AgeAtPresentation),
            PresentationDate: Date(c, "recordedDate"),
            AdmissionDate: admission,
            LengthOfStayDays: lengthOfStay,
            FollowUpDays: ExtInt(e, Ext.FollowUpDays),
            AffectedSide: ReadSide(c),
            SymptomDurationDays: ReadDuration(c.Extension(Ext.SymptomDuration)?.Object("valueDuration"), "d"),
            AffectedRegions: c.Array("bodySite").Select((b, i) => Required(b.Enum<FacialRegion>(Codes.FacialRegion), b, $"a coding of {Codes.FacialRegion}")).OfType<FacialRegion>().ToList(),
            Triggers: ExtCodes<Trigger>(c, Ext.Trigger, Codes.Trigger, "triggers"),
            PresentDuringSleep: c.Extension(Ext.PresentDuringSleep)?.Bool("valueBoolean"),
            AssociatedSymptoms: c.Extensions(Ext.AssociatedSymptom).Select(x => x.Object("valueCoding")?.Code(Codes.AssociatedSymptom)?.Code).OfType<string>().ToList(),
            History: new HistoryRequest(history, ReadDuration(prior.Resource.Extension(Ext.MonthsBefore)?.Object("valueDuration"), "mo"), priorNotes),
            Diagnosis: new DiagnosisRequest(
                c.Object("code")?.String("text") ?? c.Object("code")?.Array("coding").Select(x => x.String("display")).FirstOrDefault(d => d is not null),
                c.Object("code")?.Code(FhirSystems.Icd10)?.Code,
                c.Object("code")?.Code(FhirSystems.Snomed)?.Code,
                c.Extension(Ext.Etiology)?.Object("valueCoding")?.Enum<Etiology>(Codes.Etiology),
                Notes(c)),
            SupportiveCare: ExtCodes<SupportiveCare>(e, Ext.SupportiveCare, Codes.SupportiveCare, "supportiveCare"),
            Notes: e.Extension(Ext.CaseNotes)?.String("valueString"),
            Diagnostics: ReadDiagnostics(admission),
            Medications: ReadMedications(admission),
            Outcomes: ReadOutcomes(admission));
        Map("ageAtPresentation", e.Extension(Ext.AgeAtPresentation)?.At("valueInteger") ?? e.Path);
        Map("followUpDays", e.Extension(Ext.FollowUpDays)?.At("valueInteger") ?? e.Path);
        Map("affectedSide", c.Extension(Ext.AffectedSide)?.Path ?? c.Path);
        Map("symptomDurationDays", c.Extension(Ext.SymptomDuration)?.Path ?? c.Path);
        Map("diagnosis.etiology", c.Extension(Ext.Etiology)?.Path ?? c.Path);
        Map("diagnosis.icd10", c.At("code"));
        Map("history.priorFacialPalsyMonthsBefore", prior.Resource.Extension(Ext.MonthsBefore)?.Path ?? prior.Resource.Path);
        Map("history.notes", prior.Resource.At("note"));

        foreach (var unused in _entries.Where(x => !x.Used))
            Issue("not-supported", unused.Resource.Path, unused.Type switch
            {
                "Observation" => "An Observation must be a result of a DiagnosticReport or an outcome assessment (code hfs-outcome); this one is neither.",
                "Medication" => "A Medication must be referenced by a MedicationStatement.",
                _ => $"This {unused.Type} has no place in the registry's case.",
            });
        return document;
    }

    private static bool IsPriorPalsy(Entry e) =>
        e.Resource.Node["code"] is JsonObject code
        && new FhirReader(code, "", []).Code(Codes.Condition) is { Code: "prior-facial-palsy" };

    private Guid? ReadHospital(FhirReader org)
    {
        foreach (var identifier in org.Array("identifier"))
            if (identifier.String("system") == FhirSystems.HospitalIdSystem)
            {
                if (Guid.TryParse(identifier.String("value"), out var id)) return id;
                identifier.Fail("value", "value", "Must be the registry's hospital id (a UUID; GET /api/v1/hospitals lists them).");
                return null;
            }
        org.Fail("required", "identifier", $"The Organization must carry the registry's hospital id as an identifier with system {FhirSystems.HospitalIdSystem} (GET /api/v1/hospitals lists them); hospitals are not created through FHIR.");
        return null;
    }

    private InlinePatient? ReadPatient(FhirReader p, Guid? hospitalId)
    {
        string? pseudonym = null;
        foreach (var identifier in p.Array("identifier"))
            if (hospitalId is { } h && identifier.String("system") == FhirSystems.PseudonymSystem(h)) pseudonym = identifier.String("value");
            else identifier.Fail("not-supported", "system",
                $"Patient identifiers must be the hospital's pseudonym, system {FhirSystems.PseudonymSystem(hospitalId ?? Guid.Empty)} (the hospital of the Organization).");
        Map("patient.pseudonym", p.At("identifier"));
        Map("patient.sex", p.At("gender"));
        Map("patient.birthYear", p.At("birthDate"));

        Sex? sex = null;
        if (p.String("gender") is { } gender)
        {
            if (KebabEnum.TryParse<Sex>(gender, out var s)) sex = s;
            else p.Fail("code-invalid", "gender", $"'{gender}' is not an AdministrativeGender (registry field patient.sex); use male, female, other or unknown.");
        }
        else p.Fail("required", "gender", "Required (registry field patient.sex): male, female, other or unknown.");

        int? birthYear = null;
        if (p.String("birthDate") is { } birthDate)
        {
            // Only the year is stored: the registry keeps no full birth dates.
            if (birthDate.Length >= 4 && PartialDate.TryParse(birthDate[..Math.Min(10, birthDate.Length)], out var date)) birthYear = date.Year;
            else p.Fail("value", "birthDate", "Must be a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD); only its year is kept.");
        }
        return new InlinePatient(pseudonym, sex, birthYear);
    }

    private (bool? PriorFacialPalsy, string? Notes) ReadHistory(FhirReader prior)
    {
        var status = prior.Object("verificationStatus")?.Code(FhirSystems.ConditionVerification)?.Code;
        bool? had = status switch { "confirmed" => true, "refuted" => false, _ => null };
        if (had is null)
            prior.Fail("code-invalid", "verificationStatus",
                "Must be confirmed (registry field history.priorFacialPalsy true) or refuted (false).");
        Map("history.priorFacialPalsy", prior.At("verificationStatus"));
        return (had, Notes(prior));
    }

    private AffectedSide? ReadSide(FhirReader c)
    {
        var concept = c.Extension(Ext.AffectedSide)?.Object("valueCodeableConcept");
        if (concept is null) return null;
        if (concept.Code(Codes.AffectedSide) is not null) return concept.Enum<AffectedSide>(Codes.AffectedSide);
        var snomed = concept.Code(FhirSystems.Snomed)?.Code;
        foreach (var side in Enum.GetValues<AffectedSide>())
            if (FhirVocabulary.Laterality(side)?.Code == snomed) return side;
        concept.Fail("code-invalid", "", $"Give the side as a coding of {Codes.AffectedSide} or SNOMED CT laterality (7771000, 24028007, 51440002).");
        return null;
    }

    /// <summary>The day offset: the registry extension, else derived when admission and effective date are both full dates.</summary>
    private static int? Day(FhirReader r, string? admission) =>
        r.Extension(Ext.DayOffset)?.Int("valueInteger") ?? DayDates.DayOf(admission, r.String("effectiveDateTime"));

    private static int? ExtInt(FhirReader r, string url) => r.Extension(url)?.Int("valueInteger");

    private static string? Notes(FhirReader r) =>
        r.Array("note").Select(n => n.String("text")).OfType<string>().ToList() is { Count: > 0 } notes ? string.Join("\n\n", notes) : null;

    /// <summary>A FHIR date or dateTime as a registry partial date (a time of day is dropped: the registry keeps dates).</summary>
    private static string? Date(FhirReader? r, string name)
    {
        if (r?.String(name) is not { } value) return null;
        var date = value.Length > 10 ? value[..10] : value;
        if (PartialDate.TryParse(date, out _)) return date;
        r.Fail("value", name, $"Must be a FHIR date ({PartialDate.Format}).");
        return null;
    }

    /// <summary>A Duration in the expected UCUM unit (d or mo) as a whole number.</summary>
    private static int? ReadDuration(FhirReader? q, string ucum)
    {
        if (q is null) return null;
        if (q.String("code") != ucum) q.Fail("code-invalid", "code", $"Must be in UCUM '{ucum}'.");
        return q.Int("value");
    }

    private List<T> ExtCodes<T>(FhirReader r, string url, string system, string field) where T : struct, Enum
    {
        var found = r.Extensions(url);
        for (var i = 0; i < found.Count; i++) Map($"{field}[{i}]", found[i].Path);
        Map(field, found.FirstOrDefault()?.Path ?? r.Path);
        return found.Select(x => Required(x.Object("valueCoding")?.Enum<T>(system), x, $"valueCoding of {system}", "valueCoding")).OfType<T>().ToList();
    }

    private static T? Required<T>(T? value, FhirReader r, string what, string element = "") where T : struct
    {
        if (value is null) r.Fail("code-invalid", element, $"Needs {what}.");
        return value;
    }

    private static string? Required(string? value, FhirReader r, string what, string element)
    {
        if (value is null) r.Fail("required", element, $"Needs {what}.");
        return value;
    }
}
