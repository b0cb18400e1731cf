using System.Text.RegularExpressions;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Utility;
using Registry.Api.Cases;
using Registry.Api.Common;
using Registry.Api.Drugs;
using Registry.Api.Patients;
using Codes = Registry.Api.Fhir.FhirSystems.Codes;
using Ext = Registry.Api.Fhir.FhirSystems.Ext;
using FhirBundle = Hl7.Fhir.Model.Bundle;
using Patient = Hl7.Fhir.Model.Patient;

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
/// Reads a FHIR R4 transaction Bundle, parsed strictly by Firely's deserializer and shaped as CaseToFhir writes
/// it (docs/fhir.md), into a CaseDocument, the same document POST /cases takes, so the same validator and writer
/// apply. Strict: an element, extension or resource the registry cannot hold is an issue naming it, never
/// silently dropped.
/// </summary>
public sealed partial class FhirToCase(IReadOnlyDictionary<string, Drug> drugs)
{
    private static readonly string[] Common = ["id", "meta", "text", "extension"];

    /// <summary>The elements (FHIR JSON names) the registry reads or derives, per resource type.</summary>
    private static readonly Dictionary<string, string[]> Supported = new()
    {
        ["Organization"] = ["identifier", "active", "name", "alias", "address"],
        ["Patient"] = ["identifier", "active", "gender", "birthDate", "managingOrganization"],
        ["Encounter"] = ["identifier", "status", "class", "subject", "period", "length", "diagnosis", "serviceProvider"],
        ["Condition"] = ["clinicalStatus", "verificationStatus", "category", "code", "bodySite", "subject", "encounter",
            "onsetDateTime", "onsetString", "recordedDate", "note"],
        ["DiagnosticReport"] = ["status", "category", "code", "subject", "encounter", "effectiveDateTime", "issued", "result",
            "conclusion", "conclusionCode"],
        ["Observation"] = ["status", "category", "code", "subject", "focus", "encounter", "effectiveDateTime", "issued",
            "valueQuantity", "valueString", "valueCodeableConcept", "method", "note", "component"],
        ["Medication"] = ["code", "form"],
        ["MedicationStatement"] = ["status", "category", "medicationReference", "medicationCodeableConcept", "subject", "context",
            "effectivePeriod", "effectiveDateTime", "reasonCode", "dosage"],
    };

    /// <summary>Where a malformed value of a resource element is a registry field, so the issue can name it.</summary>
    private static readonly Dictionary<string, string> FieldOfElement = new()
    {
        ["Patient.gender"] = "patient.sex", ["Patient.birthDate"] = "patient.birthYear",
        ["Encounter.period"] = "admissionDate", ["Encounter.length"] = "lengthOfStayDays", ["Condition.recordedDate"] = "presentationDate",
    };

    private static readonly Regex InsideResource = new(@"^Bundle\.entry\[(\d+)\]\.resource(?:\.(\w+)|\[|$)", RegexOptions.Compiled);

    private readonly List<FhirIssue> _issues = [];
    private readonly Dictionary<string, string> _paths = new(StringComparer.Ordinal);
    private readonly List<Entry> _entries = [];
    private readonly Dictionary<string, Entry> _byUrl = new(StringComparer.Ordinal);

    private sealed record Entry(int Index, string FullUrl, Resource Resource, string Path)
    {
        public bool Used { get; set; }
        public string Type => Resource.TypeName;
        public string At(string element) => $"{Path}.{element}";
    }

    /// <summary>
    /// A parsed body and what the strict parse found wrong: anything outside the entries' resources is a 400. Inside
    /// them, a value the parser could not take (unknown element, wrong JSON type, invalid literal or code) leaves the
    /// resource unreliable, so nothing is mapped (422); a missing required element does not, so mapping goes on and
    /// the 422 reports it with everything else.
    /// </summary>
    public FhirImport Read(Resource? root, IReadOnlyList<CodedException> parseIssues)
    {
        if (root is not FhirBundle bundle)
        {
            Issue("structure", root is null ? "Bundle" : "Bundle.resourceType", root is null
                ? "The body must be a FHIR resource (a JSON object)."
                : $"Expected a Bundle, got '{root.TypeName}'. POST /api/v1/fhir takes a transaction Bundle.");
            return Fail(StatusCodes.Status400BadRequest);
        }
        // Outside the resources first: until the envelope is sound, even reading Bundle.entry may fail (an object for the array).
        if (parseIssues.Any(i => !InsideResource.IsMatch(Path(i))))
        {
            _issues.AddRange(parseIssues.Select(i => Describe(i, null)));
            return Fail(StatusCodes.Status400BadRequest);
        }
        var parsed = parseIssues.Select(i => (Issue: Describe(i, bundle), Missing: i.ErrorCode == MissingElement)).ToList();

        ReadEnvelope(bundle);
        if (_issues.Count > 0) return Fail(StatusCodes.Status400BadRequest);
        if (parsed.Any(p => !p.Missing))
        {
            CheckResourceTypes();
            _issues.AddRange(parsed.Select(p => p.Issue));
            return Fail(StatusCodes.Status422UnprocessableEntity);
        }
        CheckResourceTypes();
        CheckResources();
        var document = _issues.Count > 0 ? null : Map();
        _issues.AddRange(parsed.Select(p => p.Issue));
        if (_issues.Count > 0) return Fail(StatusCodes.Status422UnprocessableEntity);
        return new FhirImport(document, [], StatusCodes.Status200OK, _paths);
    }

    /// <summary>Firely's code for a required element that is absent (minimum cardinality 1).</summary>
    private const string MissingElement = "PVAL105";

    /// <summary>The issue's FHIRPath, from the Bundle (the parser names the root $this, or nothing).</summary>
    private static string Path(CodedException issue) => (issue as ExtendedCodedException)?.InstancePath switch
    {
        null or "" => "Bundle",
        var root when root.StartsWith("$this", StringComparison.Ordinal) => "Bundle" + root[5..],
        var path => path,
    };

    /// <summary>A parse issue as an OperationOutcome issue, naming the registry field where the element is one.</summary>
    private static FhirIssue Describe(CodedException issue, FhirBundle? bundle)
    {
        var path = Path(issue);
        var message = (issue as ExtendedCodedException)?.BaseErrorMessage ?? issue.Message;
        var code = issue is ExtendedCodedException extended ? extended.IssueType.GetLiteral() : "invalid";
        if (InsideResource.Match(path) is { Success: true } m && m.Groups[2].Success
            && bundle?.Entry.ElementAtOrDefault(int.Parse(m.Groups[1].Value))?.Resource is { } resource
            && FieldOfElement.TryGetValue($"{resource.TypeName}.{m.Groups[2].Value}", out var field))
            message += $" (registry field {field})";
        return new FhirIssue(code, path, message);
    }

    private FhirImport Fail(int status) => new(null, _issues, status, _paths);

    /// <summary>The Bundle itself: a transaction whose entries each have a unique fullUrl, a resource and a POST request.</summary>
    private void ReadEnvelope(FhirBundle bundle)
    {
        if (bundle.Type != FhirBundle.BundleType.Transaction)
            Issue("value", "Bundle.type", "Must be 'transaction' (GET /api/v1/cases/{id}/fhir?bundleType=transaction gives one).");
        foreach (var key in ElementNames(bundle).Where(k => k is not ("id" or "meta" or "identifier" or "type" or "timestamp" or "entry")))
            Issue("not-supported", $"Bundle.{key}", $"Bundle.{key} is not supported by the registry.");

        if (bundle.Entry.Count == 0) Issue("required", "Bundle.entry", "The Bundle has no entries.");
        for (var i = 0; i < bundle.Entry.Count; i++)
        {
            var entry = bundle.Entry[i];
            var path = $"Bundle.entry[{i}]";
            foreach (var key in ElementNames(entry).Where(k => k is not ("fullUrl" or "resource" or "request")))
                Issue("not-supported", $"{path}.{key}", $"Transaction entries carry fullUrl, resource and request only; {key} is not supported.");
            var fullUrl = entry.FullUrl;
            if (fullUrl is null) Issue("required", $"{path}.fullUrl", "Each entry needs a fullUrl (urn:uuid:...) for references to resolve.");
            else if (!_byUrl.TryAdd(fullUrl, null!)) Issue("structure", $"{path}.fullUrl", $"fullUrl '{fullUrl}' appears more than once.");
            if (entry.Resource is not { } resource)
            {
                Issue("required", $"{path}.resource.resourceType", "Each entry needs a resource with a resourceType.");
                continue;
            }
            if (entry.Request?.Method != FhirBundle.HTTPVerb.POST)
                Issue("value", $"{path}.request.method", "Transaction entries must be POST (the registry creates the case; conditional ifNoneExist is allowed).");
            else if (entry.Request.Url is { } url && url != resource.TypeName)
                Issue("value", $"{path}.request.url", $"Must be '{resource.TypeName}' for a POST of a {resource.TypeName}.");
            if (fullUrl is not null)
            {
                var e = new Entry(i, fullUrl, resource, $"{path}.resource");
                _entries.Add(e);
                _byUrl[fullUrl] = e;
            }
        }
    }

    private void CheckResourceTypes()
    {
        foreach (var e in _entries.Where(e => !Supported.ContainsKey(e.Type)))
            Issue("not-supported", e.At("resourceType"), $"The registry cannot hold a {e.Type}; supported: {string.Join(", ", Supported.Keys)}.");
    }

    /// <summary>Supported elements, registry extensions where they belong, and references that resolve inside the bundle.</summary>
    private void CheckResources()
    {
        foreach (var e in _entries)
        {
            if (!Supported.TryGetValue(e.Type, out var supported)) continue;
            foreach (var key in ElementNames(e.Resource).Where(k => !Common.Contains(k) && !supported.Contains(k)))
                Issue("not-supported", e.At(key), key == "name" && e.Type == "Patient"
                    ? "The registry holds no patient names: identify the patient by the hospital's pseudonym (Patient.identifier) only."
                    : $"{e.Type}.{key} has no place in the registry; remove it (docs/fhir.md lists what each resource carries).");
            if (e.Resource is DomainResource domain) CheckExtensions(domain, e.Path);
            CheckReferences(e.Resource, e.Path);
        }
    }

    /// <summary>Each extension is a registry extension defined for this resource type, as often as defined, with a value of its type.</summary>
    private void CheckExtensions(DomainResource resource, string path)
    {
        for (var i = 0; i < resource.Extension.Count; i++)
        {
            var extension = resource.Extension[i];
            var at = $"{path}.extension[{i}]";
            if (FhirExtensions.Find(extension.Url) is not { } definition || !definition.Contexts.Contains(resource.TypeName))
            {
                Issue("extension", at, $"Unknown extension '{extension.Url}' on {resource.TypeName}; GET /api/v1/fhir/metadata lists the registry's.");
                continue;
            }
            if (!definition.Repeats && resource.Extension.Take(i).Any(x => x.Url == extension.Url))
                Issue("structure", at, $"At most one extension {extension.Url}.");
            if (definition.Parts is null) CheckValue(extension, at, definition.ValueType!);
            else
            {
                if (extension.Value is not null) Issue("structure", at, $"{definition.Id} has parts ({string.Join(", ", definition.Parts.Select(p => p.Name))}), not a value.");
                for (var j = 0; j < extension.Extension.Count; j++)
                {
                    var part = definition.Parts.FirstOrDefault(p => p.Name == extension.Extension[j].Url);
                    if (part is null) Issue("extension", $"{at}.extension[{j}].url", $"{definition.Id} has parts {string.Join(", ", definition.Parts.Select(p => p.Name))} only.");
                    else CheckValue(extension.Extension[j], $"{at}.extension[{j}]", part.ValueType);
                }
                foreach (var missing in definition.Parts.Where(p => p.Required && extension.Extension.All(x => x.Url != p.Name)))
                    Issue("required", at, $"{definition.Id} needs its part '{missing.Name}'.");
            }
        }
    }

    private void CheckValue(Extension extension, string path, string valueType)
    {
        if (extension.Value?.TypeName != valueType)
            Issue("value", path, $"{extension.Url} carries value{char.ToUpperInvariant(valueType[0])}{valueType[1..]}.");
    }

    private void CheckReferences(Base node, string path)
    {
        foreach (var (name, value) in node.EnumerateElements())
            switch (value)
            {
                case Base child: CheckReference(child, $"{path}.{name}"); break;
                case IEnumerable<Base> list:
                    var i = 0;
                    foreach (var item in list) CheckReference(item, $"{path}.{name}[{i++}]");
                    break;
            }
    }

    private void CheckReference(Base node, string path)
    {
        if (node is ResourceReference { Reference: { } reference } && !_byUrl.ContainsKey(reference))
            Issue("not-found", $"{path}.reference", $"'{reference}' is not the fullUrl of any entry in the Bundle.");
        else if (node is not PrimitiveType) CheckReferences(node, path);
    }

    private List<Entry> OfType(string type) => _entries.Where(e => e.Type == type).ToList();

    private Entry? Single(string type, Func<Entry, bool>? filter = null, string? what = null)
    {
        var found = OfType(type).Where(filter ?? (_ => true)).ToList();
        if (found.Count == 1) return Use(found[0]);
        Issue(found.Count == 0 ? "required" : "structure", found.Count == 0 ? "Bundle.entry" : found[1].Path,
            $"The Bundle must hold exactly one {what ?? type}; it holds {found.Count}.");
        return null;
    }

    private static Entry Use(Entry e)
    {
        e.Used = true;
        return e;
    }

    private Entry? Resolve(ResourceReference? reference, string path, string type)
    {
        if (reference?.Reference is not { } url) return null;
        if (_byUrl.TryGetValue(url, out var e) && e.Type == type) return e;
        Issue("invalid", $"{path}.reference", $"Must refer to a {type} in the Bundle.");
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

        var hospitalId = ReadHospital((Organization)org.Resource, org.Path);
        var inline = ReadPatient((Patient)patient.Resource, patient.Path, hospitalId);
        var p = (Condition)prior.Resource;
        var (history, priorNotes) = ReadHistory(p, prior.Path);
        var c = (Condition)diagnosis.Resource;
        var e = (Encounter)encounter.Resource;
        var admission = Date(e.Period?.Start, encounter.At("period.start"));

        Map("hospitalId", org.At("identifier"));
        Map("patient", patient.Path);
        Map("patientId", patient.Path);
        Map("sourceCaseId", encounter.At("identifier"));
        Map("admissionDate", encounter.At("period.start"));
        Map("lengthOfStayDays", encounter.At("length"));
        Map("presentationDate", diagnosis.At("recordedDate"));
        Map("diagnosis", diagnosis.At("code"));
        Map("diagnosis.notes", diagnosis.At("note"));
        Map("history", prior.Path);
        Map("affectedRegions", diagnosis.At("bodySite"));
        Map("notes", encounter.Path);

        string? sourceCaseId = null;
        for (var i = 0; i < e.Identifier.Count; i++)
            if (hospitalId is { } h && e.Identifier[i].System == FhirSystems.SourceCaseSystem(h)) sourceCaseId = e.Identifier[i].Value;
            else Issue("not-supported", encounter.At($"identifier[{i}].system"),
                $"Encounter identifiers must use the hospital's case system {FhirSystems.SourceCaseSystem(hospitalId ?? Guid.Empty)} (sourceCaseId).");

        var side = Extension(c, diagnosis.Path, Ext.AffectedSide);
        var duration = Extension(c, diagnosis.Path, Ext.SymptomDuration);
        var etiology = Extension(c, diagnosis.Path, Ext.Etiology);
        var months = Extension(p, prior.Path, Ext.MonthsBefore);
        var document = new CaseDocument(
            PatientId: null,
            Patient: inline,
            HospitalId: hospitalId,
            SourceCaseId: sourceCaseId,
            AgeAtPresentation: ExtInt(e, encounter.Path, Ext.AgeAtPresentation),
            PresentationDate: Date(c.RecordedDate, diagnosis.At("recordedDate")),
            AdmissionDate: admission,
            LengthOfStayDays: ReadDuration(e.Length, encounter.At("length"), "d"),
            FollowUpDays: ExtInt(e, encounter.Path, Ext.FollowUpDays),
            AffectedSide: ReadSide(side),
            SymptomDurationDays: duration is { } d ? ReadDuration(d.Extension.Value as Duration, $"{d.Path}.valueDuration", "d") : null,
            AffectedRegions: c.BodySite.Select((b, i) => Required(Enum<FacialRegion>(Code(b, diagnosis.At($"bodySite[{i}]"), Codes.FacialRegion), Codes.FacialRegion),
                diagnosis.At($"bodySite[{i}]"), $"a coding of {Codes.FacialRegion}")).OfType<FacialRegion>().ToList(),
            Triggers: ExtCodes<Trigger>(c, diagnosis.Path, Ext.Trigger, Codes.Trigger, "triggers"),
            PresentDuringSleep: (Extension(c, diagnosis.Path, Ext.PresentDuringSleep)?.Extension.Value as FhirBoolean)?.Value,
            AssociatedSymptoms: Extensions(c, diagnosis.Path, Ext.AssociatedSymptom)
                .Select(x => Code(x.Extension.Value as Coding, x.Path, Codes.AssociatedSymptom)?.Code).OfType<string>().ToList(),
            History: new HistoryRequest(history, months is { } m ? ReadDuration(m.Extension.Value as Duration, $"{m.Path}.valueDuration", "mo") : null, priorNotes),
            Diagnosis: new DiagnosisRequest(
                c.Code?.Text ?? c.Code?.Coding.Select(x => x.Display).FirstOrDefault(x => x is not null),
                Code(c.Code, diagnosis.At("code"), FhirSystems.Icd10)?.Code,
                Code(c.Code, diagnosis.At("code"), FhirSystems.Snomed)?.Code,
                etiology is { } et ? Enum<Etiology>(Code(et.Extension.Value as Coding, $"{et.Path}.valueCoding", Codes.Etiology), Codes.Etiology) : null,
                Notes(c.Note)),
            SupportiveCare: ExtCodes<SupportiveCare>(e, encounter.Path, Ext.SupportiveCare, Codes.SupportiveCare, "supportiveCare"),
            Notes: (Extension(e, encounter.Path, Ext.CaseNotes)?.Extension.Value as FhirString)?.Value,
            Diagnostics: ReadDiagnostics(admission),
            Medications: ReadMedications(admission),
            Outcomes: ReadOutcomes(admission));
        Map("ageAtPresentation", Extension(e, encounter.Path, Ext.AgeAtPresentation) is { } age ? $"{age.Path}.valueInteger" : encounter.Path);
        Map("followUpDays", Extension(e, encounter.Path, Ext.FollowUpDays) is { } followUp ? $"{followUp.Path}.valueInteger" : encounter.Path);
        Map("affectedSide", side?.Path ?? diagnosis.Path);
        Map("symptomDurationDays", duration?.Path ?? diagnosis.Path);
        Map("diagnosis.etiology", etiology?.Path ?? diagnosis.Path);
        Map("diagnosis.icd10", diagnosis.At("code"));
        Map("history.priorFacialPalsyMonthsBefore", months?.Path ?? prior.Path);
        Map("history.notes", prior.At("note"));

        foreach (var unused in _entries.Where(x => !x.Used))
            Issue("not-supported", unused.Path, unused.Type switch
            {
                "Observation" => "An Observation must be a result of a DiagnosticReport or an outcome assessment (code hfs-outcome); this one is neither.",
                "Medication" => "A Medication must be referenced by a MedicationStatement.",
                _ => $"This {unused.Type} has no place in the registry's case.",
            });
        return document;
    }

    private static bool IsPriorPalsy(Entry e) =>
        e.Resource is Condition condition && Code(condition.Code, "", Codes.Condition) is { Code: "prior-facial-palsy" };

    private Guid? ReadHospital(Organization org, string path)
    {
        for (var i = 0; i < org.Identifier.Count; i++)
            if (org.Identifier[i].System == FhirSystems.HospitalIdSystem)
            {
                if (Guid.TryParse(org.Identifier[i].Value, out var id)) return id;
                Issue("value", $"{path}.identifier[{i}].value", "Must be the registry's hospital id (a UUID; GET /api/v1/hospitals lists them).");
                return null;
            }
        Issue("required", $"{path}.identifier", $"The Organization must carry the registry's hospital id as an identifier with system {FhirSystems.HospitalIdSystem} (GET /api/v1/hospitals lists them); hospitals are not created through FHIR.");
        return null;
    }

    private InlinePatient? ReadPatient(Patient p, string path, Guid? hospitalId)
    {
        string? pseudonym = null;
        for (var i = 0; i < p.Identifier.Count; i++)
            if (hospitalId is { } h && p.Identifier[i].System == FhirSystems.PseudonymSystem(h)) pseudonym = p.Identifier[i].Value;
            else Issue("not-supported", $"{path}.identifier[{i}].system",
                $"Patient identifiers must be the hospital's pseudonym, system {FhirSystems.PseudonymSystem(hospitalId ?? Guid.Empty)} (the hospital of the Organization).");
        Map("patient.pseudonym", $"{path}.identifier");
        Map("patient.sex", $"{path}.gender");
        Map("patient.birthYear", $"{path}.birthDate");

        Sex? sex = null;
        if (p.Gender is { } gender && KebabEnum.TryParse<Sex>(gender.GetLiteral(), out var s)) sex = s;
        else Issue("required", $"{path}.gender", "Required (registry field patient.sex): male, female, other or unknown.");

        // Only the year is stored: the registry keeps no full birth dates.
        int? birthYear = p.BirthDate is { Length: >= 4 } birthDate && PartialDate.TryParse(birthDate[..Math.Min(10, birthDate.Length)], out var date) ? date.Year : null;
        return new InlinePatient(pseudonym, sex, birthYear);
    }

    private (bool? PriorFacialPalsy, string? Notes) ReadHistory(Condition prior, string path)
    {
        bool? had = Code(prior.VerificationStatus, "", FhirSystems.ConditionVerification)?.Code switch { "confirmed" => true, "refuted" => false, _ => null };
        if (had is null)
            Issue("code-invalid", $"{path}.verificationStatus", "Must be confirmed (registry field history.priorFacialPalsy true) or refuted (false).");
        Map("history.priorFacialPalsy", $"{path}.verificationStatus");
        return (had, Notes(prior.Note));
    }

    private AffectedSide? ReadSide((Extension Extension, string Path)? side)
    {
        if (side is not { } found || found.Extension.Value is not CodeableConcept concept) return null;
        var path = $"{found.Path}.valueCodeableConcept";
        if (Code(concept, path, Codes.AffectedSide) is { } registry) return Enum<AffectedSide>(registry, Codes.AffectedSide);
        var snomed = Code(concept, path, FhirSystems.Snomed)?.Code;
        foreach (var s in System.Enum.GetValues<AffectedSide>())
            if (FhirVocabulary.Laterality(s)?.Code == snomed) return s;
        Issue("code-invalid", path, $"Give the side as a coding of {Codes.AffectedSide} or SNOMED CT laterality (7771000, 24028007, 51440002).");
        return null;
    }

    /// <summary>The day offset: the registry extension, else derived when admission and effective date are both full dates.</summary>
    private static int? Day(DomainResource r, string path, DataType? effective, string? admission) =>
        ExtInt(r, path, Ext.DayOffset) ?? DayDates.DayOf(admission, (effective as FhirDateTime)?.Value);

    private static string? Notes(List<Annotation> notes) =>
        notes.Select(n => n.Text).OfType<string>().ToList() is { Count: > 0 } texts ? string.Join("\n\n", texts) : null;

    /// <summary>A FHIR date or dateTime as a registry partial date (a time of day is dropped: the registry keeps dates).</summary>
    private string? Date(string? value, string path)
    {
        if (value is null) return null;
        var date = value.Length > 10 ? value[..10] : value;
        if (PartialDate.TryParse(date, out _)) return date;
        Issue("value", path, $"Must be a FHIR date ({PartialDate.Format}).");
        return null;
    }

    /// <summary>A Duration in the expected UCUM unit (d or mo) as a whole number.</summary>
    private int? ReadDuration(Quantity? q, string path, string ucum)
    {
        if (q is null) return null;
        if (q.Code != ucum) Issue("code-invalid", $"{path}.code", $"Must be in UCUM '{ucum}'.");
        if (q.Value is not { } value) return null;
        if (value == decimal.Truncate(value) && value is >= int.MinValue and <= int.MaxValue) return (int)value;
        Issue("value", $"{path}.value", "Must be a whole number.");
        return null;
    }

    private List<T> ExtCodes<T>(IExtendable r, string path, string url, string system, string field) where T : struct, System.Enum
    {
        var found = Extensions(r, path, url);
        for (var i = 0; i < found.Count; i++) Map($"{field}[{i}]", found[i].Path);
        Map(field, found.FirstOrDefault().Path ?? path);
        return found.Select(x => Required(Enum<T>(Code(x.Extension.Value as Coding, $"{x.Path}.valueCoding", system), system),
            $"{x.Path}.valueCoding", $"valueCoding of {system}")).OfType<T>().ToList();
    }
}
