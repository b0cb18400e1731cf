using Registry.Api.Common;
using Registry.Api.Data;
using Registry.Api.Idempotency;
using Registry.Api.Security;

namespace Registry.Api.CaseChildren;

/// <summary>
/// What the API description says of one kind of case child: its label in summaries ("outcome assessment"), each
/// route's description, and the request examples of adding and replacing one.
/// </summary>
public sealed record CaseChildDocs(
    string Label, string List, string Create, string Get, string Replace, string Delete, object CreateExample, object ReplaceExample);

public static class CaseChildRoutes
{
    /// <summary>
    /// The five routes of a kind of case child (<see cref="CaseChildHandlers{TKind,TEntity,TRequest,TResponse}"/>),
    /// named, summarised and guarded alike for every kind: writes need the write policy, and adding one takes an
    /// Idempotency-Key.
    /// </summary>
    public static RouteGroupBuilder MapCaseChildren<TKind, TEntity, TRequest, TResponse>(this IEndpointRouteBuilder routes, CaseChildDocs docs)
        where TKind : ICaseChildKind<TEntity, TRequest, TResponse>
        where TEntity : Versioned, ICaseChild
        where TRequest : CaseChildReadOnlyMembers
    {
        var (one, many) = (Capitalized(TKind.Name), Capitalized(TKind.Plural));
        var a = docs.Label[0] is 'a' or 'e' or 'i' or 'o' or 'u' ? "an" : "a";
        var group = routes.MapGroup("").WithTags(many);

        group.MapGet($"/cases/{{caseId:guid}}/{TKind.Plural}", CaseChildHandlers<TKind, TEntity, TRequest, TResponse>.List)
            .WithName($"List{many}")
            .WithSummary($"List a case's {docs.Label}s")
            .WithDescription(docs.List)
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost($"/cases/{{caseId:guid}}/{TKind.Plural}", CaseChildHandlers<TKind, TEntity, TRequest, TResponse>.Create)
            .WithName($"Create{one}")
            .WithSummary($"Add {a} {docs.Label} to a case")
            .WithDescription(docs.Create)
            .WithRequestExample(docs.CreateExample)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .RequireAuthorization(Policies.Write)
            .WithIdempotency();
        group.MapGet($"/{TKind.Plural}/{{id:guid}}", CaseChildHandlers<TKind, TEntity, TRequest, TResponse>.Get)
            .WithName($"Get{one}")
            .WithSummary($"Get {a} {docs.Label}")
            .WithDescription(docs.Get)
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut($"/{TKind.Plural}/{{id:guid}}", CaseChildHandlers<TKind, TEntity, TRequest, TResponse>.Replace)
            .WithName($"Update{one}")
            .WithSummary($"Replace {a} {docs.Label}")
            .WithDescription(docs.Replace)
            .WithRequestExample(docs.ReplaceExample)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .RequireAuthorization(Policies.Write);
        group.MapDelete($"/{TKind.Plural}/{{id:guid}}", CaseChildHandlers<TKind, TEntity, TRequest, TResponse>.Delete)
            .WithName($"Delete{one}")
            .WithSummary($"Delete {a} {docs.Label}")
            .WithDescription(docs.Delete)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireAuthorization(Policies.Write);
        return group;
    }

    private static string Capitalized(string name) => char.ToUpperInvariant(name[0]) + name[1..];
}
