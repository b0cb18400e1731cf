using Hl7.Fhir.Model;
using Statement = Hl7.Fhir.Model.CapabilityStatement;

namespace Registry.Api.Fhir;

/// <summary>The RESTful part of the statement: per resource type exactly what FhirRestEndpoints and FhirSearch serve.</summary>
public static partial class CapabilityStatement
{
    private static readonly Dictionary<string, (SearchParamType Type, string Definition, string Documentation)> SearchParameters = new()
    {
        ["_id"] = (SearchParamType.Token, "http://hl7.org/fhir/SearchParameter/Resource-id", "The resource's id."),
        ["_lastUpdated"] = (SearchParamType.Date, "http://hl7.org/fhir/SearchParameter/Resource-lastUpdated",
            "meta.lastUpdated (the case's last change for a case's resources); gt, ge, lt, le, eq."),
        ["identifier"] = (SearchParamType.Token, "http://hl7.org/fhir/SearchParameter/clinical-identifier",
            "Patient: the hospital's pseudonym; Encounter: the hospital's sourceCaseId. Never matches for analysts."),
        ["gender"] = (SearchParamType.Token, "http://hl7.org/fhir/SearchParameter/individual-gender", "male, female, other or unknown."),
        ["code"] = (SearchParamType.Token, "http://hl7.org/fhir/SearchParameter/clinical-code",
            "Condition: SNOMED CT or ICD-10; MedicationStatement: ATC (or the registry's drug code) of its Medication; Observation: LOINC or a registry code."),
        ["subject"] = (SearchParamType.Reference, "http://hl7.org/fhir/SearchParameter/clinical-patient", "Patient/{id}."),
    };

    private const string Combination = "http://hl7.org/fhir/StructureDefinition/capabilitystatement-search-parameter-combination";

    private static Statement.ResourceComponent RestResource(string type) => new()
    {
        // A search of these types must give one of the required parameters (FhirSearch.RequiredOneOf).
        Extension = FhirSearch.RequiredOneOf.TryGetValue(type, out var oneOf)
            ? oneOf.Select(required => new Extension(Combination, null)
            {
                Extension =
                [
                    new Extension("required", new FhirString(required)),
                    .. FhirSearch.Supported[type].Where(p => p != required && SearchParameters.ContainsKey(p)).Select(p => new Extension("optional", new FhirString(p))),
                ],
            }).ToList()
            : [],
        Type = type,
        SupportedProfile = type == "Observation" ? [FhirSystems.VitalSignsProfile] : [],
        Operation = BulkDataResourceOperations(type),
        Documentation = new Markdown(type is "Organization" or "Patient"
            ? "The hospital (patient) row: versionId is its own version; its history is its current version."
            : "One part of a case (docs/fhir.md): versionId is the case's version; every version of the case is kept, so vread and history reach each."),
        Interaction =
        [
            .. new[]
            {
                Statement.TypeRestfulInteraction.Read, Statement.TypeRestfulInteraction.Vread,
                Statement.TypeRestfulInteraction.HistoryInstance, Statement.TypeRestfulInteraction.SearchType,
            }.Select(code => new Statement.ResourceInteractionComponent { Code = code }),
        ],
        Versioning = Statement.ResourceVersionPolicy.Versioned,
        ReadHistory = true,
        SearchInclude = type == "MedicationStatement" ? ["MedicationStatement:medication"] : [],
        SearchParam = FhirSearch.Supported[type].Where(SearchParameters.ContainsKey).Select(name => new Statement.SearchParamComponent
        {
            Name = name,
            Definition = SearchParameters[name].Definition,
            Type = SearchParameters[name].Type,
            Documentation = new Markdown(SearchParameters[name].Documentation),
        }).ToList(),
    };
}
