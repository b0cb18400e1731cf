using System.Text.Json.Serialization;

namespace Registry.Api.Common;

/// <summary>
/// The members a GET answers that only the registry sets. A request takes them so a client can send back what it
/// read (GET, change a field, PUT with If-Match) and ignores them, except where they contradict the request: an
/// <c>id</c> other than the route's is a 400 naming <c>id</c> (see <see cref="ValidationFilter"/>), a
/// <c>version</c> other than the one If-Match names a 412 (see <see cref="Preconditions"/>). Never written back.
/// </summary>
public abstract record ReadOnlyMembers
{
    /// <summary>Read-only, ignored: the resource's id. When sent, it must be the id in the route (else 400).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Guid? Id { get; init; }

    /// <summary>Read-only, ignored: the version read. When sent on PUT, it must be the version If-Match names (else 412).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Version { get; init; }

    /// <summary>Read-only, ignored: when the resource was created.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Read-only, ignored: when the resource last changed.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? UpdatedAt { get; init; }

    /// <summary>The identifiers sent, by member name, to compare with the route values of the same name.</summary>
    public virtual IEnumerable<(string Name, Guid Value)> Identifiers() =>
        Id is { } id ? [(nameof(Id).ToLowerInvariant(), id)] : [];
}

/// <summary>The read-only members of a case's diagnostic, medication or outcome: also its <c>caseId</c>.</summary>
public abstract record CaseChildReadOnlyMembers : ReadOnlyMembers
{
    /// <summary>Read-only, ignored: the case it belongs to. When sent, it must be that case (else 400).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Guid? CaseId { get; init; }

    public override IEnumerable<(string Name, Guid Value)> Identifiers() =>
        CaseId is { } caseId ? base.Identifiers().Append(("caseId", caseId)) : base.Identifiers();
}
