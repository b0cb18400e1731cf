using System.Text.Json.Serialization;
using FluentValidation;

namespace Registry.Api.Common;

/// <summary>
/// The members a GET answers that only the registry sets. A replacement (PUT) takes them, so a client can send
/// back what it read (GET, change a field, PUT with If-Match), and ignores them, except where they contradict the
/// request: an <c>id</c> other than the route's is a 400 naming <c>id</c> (see <see cref="ValidationFilter"/>), a
/// <c>version</c> other than the one If-Match names a 412 (see <see cref="Preconditions"/>). A create (POST)
/// refuses them by name, as before: the registry assigns them (<see cref="ReadOnlyMembersValidator"/>).
/// </summary>
public abstract record ReadOnlyMembers
{
    /// <summary>Read-only: the resource's id. Ignored on PUT, where it must be the id in the route (else 400); refused on POST.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Guid? Id { get; init; }

    /// <summary>Read-only: the version read. Ignored on PUT, where it must be the version If-Match names (else 412); refused on POST.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Version { get; init; }

    /// <summary>Read-only: when the resource was created. Ignored on PUT; refused on POST.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Read-only: when the resource last changed. Ignored on PUT; refused on POST.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? UpdatedAt { get; init; }

    /// <summary>The JSON names of the read-only members this request carries.</summary>
    public virtual IEnumerable<string> Sent()
    {
        if (Id is not null) yield return "id";
        if (Version is not null) yield return "version";
        if (CreatedAt is not null) yield return "createdAt";
        if (UpdatedAt is not null) yield return "updatedAt";
    }
}

/// <summary>The read-only members of a case's diagnostic, medication or outcome: also its <c>caseId</c>.</summary>
public abstract record CaseChildReadOnlyMembers : ReadOnlyMembers
{
    /// <summary>Read-only: the case it belongs to. Ignored on PUT, where it must be that case (else 400); refused on POST.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Guid? CaseId { get; init; }

    public override IEnumerable<string> Sent() => CaseId is null ? base.Sent() : base.Sent().Append("caseId");
}

/// <summary>
/// Refuses read-only members on a create, naming each (nested ones by their path, e.g. <c>outcomes[0].id</c>);
/// a create has nothing to send back. Included by every request validator.
/// </summary>
public sealed class ReadOnlyMembersValidator : AbstractValidator<ReadOnlyMembers>
{
    public ReadOnlyMembersValidator(IHttpContextAccessor http) =>
        RuleFor(m => m).Custom((members, context) =>
        {
            if (http.HttpContext?.Request.Method is not { } method || !HttpMethods.IsPost(method)) return;
            foreach (var name in members.Sent())
                context.AddFailure(name, "Set by the registry; leave it out when creating. (A PUT takes it back as read and ignores it.)");
        });
}
