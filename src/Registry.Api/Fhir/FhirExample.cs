namespace Registry.Api.Fhir;

public enum FhirExampleKind { Bundle, Transaction, TransactionResponse, Ndjson, CapabilityStatement, BadRequest, NotFound, Conflict, Unprocessable }

/// <summary>Which FHIR example an endpoint shows for a status (null: the request body); the OpenAPI wiring builds it.</summary>
public sealed record FhirExample(int? Status, FhirExampleKind Kind);
