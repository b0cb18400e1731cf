using Registry.Api.Data;

namespace Registry.Api.Cases;

/// <summary>What storing a whole case document came to.</summary>
public abstract record CaseWriteResult
{
    public sealed record Created(Guid Id) : CaseWriteResult;
    /// <summary>The document referred to things that do not exist or do not fit together; keys are JSON paths.</summary>
    public sealed record Invalid(Dictionary<string, string[]> Errors) : CaseWriteResult;
    /// <summary>The hospital already holds a case with this sourceCaseId.</summary>
    public sealed record Duplicate(Guid ExistingId) : CaseWriteResult;
}

/// <summary>Stores whole case documents atomically; used by POST /cases and by the seed loader.</summary>
public sealed class CaseWriter(RegistryDb db)
{
    /// <param name="document">A document that passed CaseDocumentValidator.</param>
    /// <param name="id">A fixed id for the case (seeds); null to generate one.</param>
    public Task<CaseWriteResult> CreateAsync(CaseDocument document, Guid? id, CancellationToken ct) =>
        throw new NotImplementedException(); // being written on main
}
