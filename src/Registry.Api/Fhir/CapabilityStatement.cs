using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using Statement = Hl7.Fhir.Model.CapabilityStatement;

namespace Registry.Api.Fhir;

/// <summary>What the registry's FHIR interface supports (GET /api/v1/fhir/metadata), with the registry's extensions.</summary>
public static partial class CapabilityStatement
{

    /// <summary>The statement as a JSON tree, for the OpenAPI examples.</summary>
    public static JsonObject Build(string baseUrl) => FhirJson.Node(For(baseUrl));

    public static Statement For(string baseUrl) => new()
    {
        Url = $"{baseUrl}/metadata",
        Name = "HfsRegistryFhir",
        Title = "HFS Registry FHIR interface",
        Status = PublicationStatus.Active,
        Date = "2026-11-21",
        Publisher = "HFS Registry",
        Description = new Markdown("Exports registry cases as FHIR R4 Bundles, imports cases from transaction Bundles, and bulk-exports NDJSON. Mapping: docs/fhir.md."),
        Kind = CapabilityStatementKind.Instance,
        Software = new Statement.SoftwareComponent { Name = "HFS Registry API" },
        Implementation = new Statement.ImplementationComponent { Description = "HFS Registry FHIR R4 interface", Url = baseUrl },
        FhirVersion = FHIRVersion.N4_0_1,
        Format = ["json", FhirSystems.MediaType],
        Rest =
        [
            new Statement.RestComponent
            {
                Mode = Statement.RestfulCapabilityMode.Server,
                Documentation = new Markdown("""
                    One case is one Bundle. GET /api/v1/cases/{id}/fhir returns a case as a collection Bundle
                    (?bundleType=transaction for one ready to POST). POST /api/v1/fhir takes a transaction Bundle and
                    creates the case atomically. GET /api/v1/fhir/$export-bundles streams one collection Bundle per line
                    (application/fhir+ndjson) for every case matching the GET /api/v1/cases filters; $export and
                    Patient/$export are the asynchronous FHIR Bulk Data export (one NDJSON file per resource type). Each
                    resource a case exports is also read, vread, searched and listed in history one by one under its type
                    (see each resource).
                    """),
                Resource = [.. FhirResources.Types.Select(RestResource), ExtensionDefinitions(baseUrl)],
                Interaction =
                [
                    new Statement.SystemInteractionComponent
                    {
                        Code = Statement.SystemRestfulInteraction.Transaction,
                        Documentation = new Markdown("POST /api/v1/fhir: one case per transaction Bundle, all or nothing."),
                    },
                ],
                Operation = BulkDataSystemOperations(),
            },
        ],
    };

    /// <summary>The registry's extensions, each readable as a StructureDefinition.</summary>
    private static Statement.ResourceComponent ExtensionDefinitions(string baseUrl) => new()
    {
        Type = "StructureDefinition",
        Interaction = [new Statement.ResourceInteractionComponent { Code = Statement.TypeRestfulInteraction.Read }],
        Documentation = new Markdown(
            $"The registry's extensions, read as {baseUrl}/StructureDefinition/{{id}}:\n\n"
            + string.Join("\n", FhirExtensions.All.Select(e => $"- `{e.Id}`: {e.Url} ({string.Join(", ", e.Contexts)})"))),
    };
}
