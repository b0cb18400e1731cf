using System.Text.Json.Nodes;

namespace Registry.Api.Fhir;

/// <summary>What the registry's FHIR interface supports (GET /api/v1/fhir/metadata).</summary>
public static class CapabilityStatement
{
    private static readonly string[] Resources =
        ["Bundle", "Organization", "Patient", "Encounter", "Condition", "DiagnosticReport", "Observation", "Medication", "MedicationStatement"];

    public static JsonObject Build(string baseUrl) => FhirJson.Compact(new JsonObject
    {
        ["resourceType"] = "CapabilityStatement",
        ["url"] = $"{baseUrl}/metadata",
        ["name"] = "HfsRegistryFhir",
        ["title"] = "HFS Registry FHIR interface",
        ["status"] = "active",
        ["date"] = "2026-11-21",
        ["publisher"] = "HFS Registry",
        ["description"] = "Exports registry cases as FHIR R4 Bundles, imports cases from transaction Bundles, and bulk-exports NDJSON. Mapping: docs/fhir.md.",
        ["kind"] = "instance",
        ["software"] = new JsonObject { ["name"] = "HFS Registry API" },
        ["implementation"] = new JsonObject { ["description"] = "HFS Registry FHIR R4 interface", ["url"] = baseUrl },
        ["fhirVersion"] = FhirSystems.FhirVersion,
        ["format"] = new JsonArray("json", FhirSystems.MediaType),
        ["rest"] = new JsonArray(new JsonObject
        {
            ["mode"] = "server",
            ["documentation"] = """
                One case is one Bundle. GET /api/v1/cases/{id}/fhir returns a case as a collection Bundle
                (?bundleType=transaction for one ready to POST). POST /api/v1/fhir takes a transaction Bundle and
                creates the case atomically. GET /api/v1/fhir/$export streams one collection Bundle per line
                (application/fhir+ndjson) for every case matching the GET /api/v1/cases filters. Resources are not
                addressable one by one: there are no per-type read or search interactions.
                """,
            ["resource"] = new JsonArray(Resources.Select(type => (JsonNode)new JsonObject
            {
                ["type"] = type,
                ["supportedProfile"] = type == "Observation" ? new JsonArray(FhirSystems.VitalSignsProfile) : null,
                ["documentation"] = type == "Bundle"
                    ? "Bundles of type collection (export) and transaction (import)."
                    : $"Carried inside case Bundles; created through the transaction interaction.",
            }).ToArray()),
            ["interaction"] = new JsonArray(new JsonObject
            {
                ["code"] = "transaction",
                ["documentation"] = "POST /api/v1/fhir: one case per transaction Bundle, all or nothing.",
            }),
            ["operation"] = new JsonArray(new JsonObject
            {
                ["name"] = "export",
                ["definition"] = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export",
                ["documentation"] = "Synchronous NDJSON stream, one collection Bundle per case per line; honours the GET /api/v1/cases filters.",
            }),
        }),
    });
}
