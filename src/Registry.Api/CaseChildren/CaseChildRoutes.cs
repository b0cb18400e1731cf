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
        // Every route names a case or a child that may not exist; writes need the write policy and may conflict.
        RouteHandlerBuilder Route(RouteHandlerBuilder route, string name, string summary, string description) =>
            route.WithName(name).WithSummary(summary).WithDescription(description).ProducesProblem(StatusCodes.Status404NotFound);
        RouteHandlerBuilder Write(RouteHandlerBuilder route, object example) =>
            route.WithRequestExample(example).ProducesProblem(StatusCodes.Status409Conflict).RequireAuthorization(Policies.Write);

        var (ofCase, byId) = ($"/cases/{{caseId:guid}}/{TKind.Plural}", $"/{TKind.Plural}/{{id:guid}}");
        Delegate list = CaseChildHandlers<TKind, TEntity, TRequest, TResponse>.List,
            create = CaseChildHandlers<TKind, TEntity, TRequest, TResponse>.Create,
            get = CaseChildHandlers<TKind, TEntity, TRequest, TResponse>.Get,
            replace = CaseChildHandlers<TKind, TEntity, TRequest, TResponse>.Replace,
            delete = CaseChildHandlers<TKind, TEntity, TRequest, TResponse>.Delete;

        Route(group.MapGet(ofCase, list), $"List{many}", $"List a case's {docs.Label}s", docs.List);
        Write(Route(group.MapPost(ofCase, create), $"Create{one}", $"Add {a} {docs.Label} to a case", docs.Create), docs.CreateExample)
            .WithIdempotency();
        Route(group.MapGet(byId, get), $"Get{one}", $"Get {a} {docs.Label}", docs.Get);
        Write(Route(group.MapPut(byId, replace), $"Update{one}", $"Replace {a} {docs.Label}", docs.Replace), docs.ReplaceExample);
        Route(group.MapDelete(byId, delete), $"Delete{one}", $"Delete {a} {docs.Label}", docs.Delete).RequireAuthorization(Policies.Write);
        return group;
    }

    private static string Capitalized(string name) => char.ToUpperInvariant(name[0]) + name[1..];
}
