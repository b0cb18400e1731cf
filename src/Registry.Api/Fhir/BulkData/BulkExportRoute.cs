namespace Registry.Api.Fhir.BulkData;

/// <summary>Marks the Bulk Data routes by step, for what OpenApi/BulkExportOpenApi adds to their description.</summary>
public sealed record BulkExportRoute(BulkExportRoute.Step Kind)
{
    public enum Step { KickOff, Status }
}
