using Hl7.Fhir.Model;
using Ext = Registry.Api.Fhir.FhirSystems.Ext;

namespace Registry.Api.Fhir;

/// <summary>One part of a complex extension: its url (a plain name), value type and whether it is required.</summary>
public sealed record FhirExtensionPart(string Name, string ValueType, bool Required, string Description);

/// <summary>
/// One of the registry's extensions: where it may appear, its value type (a FHIR type code such as integer,
/// Coding) or its parts, and whether it repeats. The import checks extensions against these, and
/// GET /fhir/StructureDefinition/{id} publishes each as a StructureDefinition.
/// </summary>
public sealed record FhirExtension(string Url, string Title, string Description, string[] Contexts, string? ValueType, bool Repeats,
    FhirExtensionPart[]? Parts = null)
{
    public string Id => Url[(Url.LastIndexOf('/') + 1)..];

    /// <summary>The POCO class of the value type, to check an imported value against.</summary>
    public Type? ValueClass => ValueType is null ? null : Hl7.Fhir.Model.ModelInfo.GetTypeForFhirType(ValueType);
}

public static class FhirExtensions
{
    private const string DayOffsetText = "Days after admission (day 0), the registry's clinical clock; the standard date element carries the calendar date where it follows at the precision known.";

    public static readonly IReadOnlyList<FhirExtension> All =
    [
        new(Ext.DayOffset, "Day offset", DayOffsetText, ["DiagnosticReport", "Observation"], "integer", false),
        new(Ext.StartDay, "Start day", "The day (after admission) the medication started. " + DayOffsetText, ["MedicationStatement"], "integer", false),
        new(Ext.EndDay, "End day", "The day (after admission) the medication ended. " + DayOffsetText, ["MedicationStatement"], "integer", false),
        new(Ext.FollowUpDays, "Follow-up days", "Days of follow-up after admission that the record covers.", ["Encounter"], "integer", false),
        new(Ext.AgeAtPresentation, "Age at presentation", "Age in whole years at presentation (0 for a newborn, which Age cannot carry).", ["Encounter"], "integer", false),
        new(Ext.CaseNotes, "Case notes", "Free-text notes on the case (R4 Encounter has no note).", ["Encounter"], "string", false),
        new(Ext.SupportiveCare, "Supportive care", "Non-drug care given or advised (code system supportive-care); repeated.", ["Encounter"], "Coding", true),
        new(Ext.AffectedSide, "Affected side", "The side of the face affected: SNOMED CT laterality and the registry code (affected-side).", ["Condition"], "CodeableConcept", false),
        new(Ext.Etiology, "Etiology", "The cause of the hemifacial spasm (code system etiology).", ["Condition"], "Coding", false),
        new(Ext.Trigger, "Trigger", "What makes the spasms worse (code system trigger); repeated.", ["Condition"], "Coding", true),
        new(Ext.PresentDuringSleep, "Present during sleep", "Whether the spasms continue during sleep.", ["Condition"], "boolean", false),
        new(Ext.AssociatedSymptom, "Associated symptom", "Another symptom (code system associated-symptom); repeated.", ["Condition"], "Coding", true),
        new(Ext.SymptomDuration, "Symptom duration", "How long symptoms had lasted at presentation, in days (UCUM d).", ["Condition"], "Duration", false),
        new(Ext.MonthsBefore, "Months before presentation", "How many months before presentation the prior facial palsy was (UCUM mo).", ["Condition"], "Duration", false),
        new(Ext.MedicationEnding, "Medication ending", "How the medication ended: completed, tapered, stopped or ongoing.", ["MedicationStatement"], "code", false),
        new(Ext.DoseAdjustment, "Dose adjustment", "A change of dose on a day after admission; repeated.", ["MedicationStatement"], null, true,
        [
            new("day", "integer", true, "The day (after admission) of the change."),
            new("change", "code", true, "increased, decreased, paused or stopped."),
            new("note", "string", false, "A note on the change."),
        ]),
    ];

    private static readonly Dictionary<string, FhirExtension> ByUrl = All.ToDictionary(e => e.Url, StringComparer.Ordinal);

    public static FhirExtension? Find(string? url) => url is null ? null : ByUrl.GetValueOrDefault(url);

    public static FhirExtension? ById(string id) => All.FirstOrDefault(e => e.Id == id);

    /// <summary>The extension's definition: a differential on Extension (a validator generates the snapshot).</summary>
    public static StructureDefinition Definition(FhirExtension e) => new()
    {
        Id = e.Id,
        Url = e.Url,
        Name = string.Concat(e.Id.Split('-').Select(w => char.ToUpperInvariant(w[0]) + w[1..])),
        Title = e.Title,
        Status = PublicationStatus.Active,
        Date = "2026-12-06",
        Publisher = "HFS Registry",
        Description = new Markdown(e.Description),
        FhirVersion = FHIRVersion.N4_0_1,
        Kind = StructureDefinition.StructureDefinitionKind.ComplexType,
        Abstract = false,
        Context = e.Contexts.Select(c => new StructureDefinition.ContextComponent { Type = StructureDefinition.ExtensionContextType.Element, Expression = c }).ToList(),
        Type = "Extension",
        BaseDefinition = "http://hl7.org/fhir/StructureDefinition/Extension",
        Derivation = StructureDefinition.TypeDerivationRule.Constraint,
        Differential = new StructureDefinition.DifferentialComponent { Element = Elements(e).ToList() },
    };

    private static IEnumerable<ElementDefinition> Elements(FhirExtension e)
    {
        yield return new ElementDefinition("Extension") { ElementId = "Extension", Short = e.Title, Definition = e.Description, Min = 0, Max = e.Repeats ? "*" : "1" };
        if (e.Parts is null)
        {
            yield return new ElementDefinition("Extension.extension") { ElementId = "Extension.extension", Max = "0" };
            yield return new ElementDefinition("Extension.url") { ElementId = "Extension.url", Fixed = new FhirUri(e.Url) };
            yield return Value("Extension.value[x]", e.ValueType!);
            yield break;
        }
        yield return new ElementDefinition("Extension.extension")
        {
            ElementId = "Extension.extension",
            Slicing = new ElementDefinition.SlicingComponent
            {
                Discriminator = [new ElementDefinition.DiscriminatorComponent { Type = ElementDefinition.DiscriminatorType.Value, Path = "url" }],
                Rules = ElementDefinition.SlicingRules.Closed,
            },
        };
        foreach (var part in e.Parts)
        {
            var id = $"Extension.extension:{part.Name}";
            yield return new ElementDefinition("Extension.extension")
            {
                ElementId = id, SliceName = part.Name, Short = part.Description, Definition = part.Description, Min = part.Required ? 1 : 0, Max = "1",
            };
            yield return new ElementDefinition("Extension.extension.extension") { ElementId = $"{id}.extension", Max = "0" };
            yield return new ElementDefinition("Extension.extension.url") { ElementId = $"{id}.url", Fixed = new FhirUri(part.Name) };
            yield return Value($"{id}.value[x]", part.ValueType, "Extension.extension.value[x]");
        }
        yield return new ElementDefinition("Extension.url") { ElementId = "Extension.url", Fixed = new FhirUri(e.Url) };
        yield return new ElementDefinition("Extension.value[x]") { ElementId = "Extension.value[x]", Max = "0" };
    }

    private static ElementDefinition Value(string id, string type, string? path = null) =>
        new(path ?? id) { ElementId = id, Min = 1, Type = [new ElementDefinition.TypeRefComponent { Code = type }] };
}
