namespace Registry.Api.Fhir.BulkData;

/// <summary>Marks the POST kick-offs, whose body is a FHIR Parameters resource (OpenApi/BulkExportOpenApi describes it).</summary>
public sealed class ParametersBody;
