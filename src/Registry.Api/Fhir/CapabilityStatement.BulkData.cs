using Hl7.Fhir.Model;
using Statement = Hl7.Fhir.Model.CapabilityStatement;

namespace Registry.Api.Fhir;

/// <summary>The FHIR Bulk Data Access (v2) export operations the registry declares (Fhir/BulkData).</summary>
public static partial class CapabilityStatement
{
    private const string BulkData = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/";

    private static List<Statement.OperationComponent> BulkDataSystemOperations() =>
    [
        new()
        {
            Name = "export",
            Definition = BulkData + "export",
            Documentation = new Markdown("""
                FHIR Bulk Data export (asynchronous, `Prefer: respond-async`): GET or POST /api/v1/fhir/$export answers 202 with
                a status URL; the manifest lists one application/fhir+ndjson file per resource type. Parameters: _type,
                _since, _outputFormat. Files need the key that started the job.
                """),
        },
    ];

    private static List<Statement.OperationComponent> BulkDataResourceOperations(string type) => type == "Patient"
        ?
        [
            new()
            {
                Name = "export",
                Definition = BulkData + "patient-export",
                Documentation = new Markdown("FHIR Bulk Data export of every patient's data the key may see: as $export, at /api/v1/fhir/Patient/$export."),
            },
        ]
        : [];
}
