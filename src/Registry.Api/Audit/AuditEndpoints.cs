using System.ComponentModel;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Registry.Api.Common;
using Registry.Api.Data;
using Registry.Api.Security;

namespace Registry.Api.Audit;

/// <summary>GET /audit filters; pages run newest first.</summary>
public sealed class AuditQuery
{
    [Description("Only this kind of resource: hospital, patient, case, diagnostic, medication, outcome, api-key or drug.")]
    [FromQuery(Name = "resource")] public string? Resource { get; init; }

    [Description("Only this resource id (a UUID, or a drug code).")]
    [FromQuery(Name = "resourceId")] public string? ResourceId { get; init; }

    [Description("Only what this API key did.")]
    [FromQuery(Name = "apiKeyId")] public Guid? ApiKeyId { get; init; }

    [Description("Only this action: create, update, delete or read.")]
    [FromQuery(Name = "action")] public string? Action { get; init; }

    [Description("Only rows with this request id (the X-Request-Id response header).")]
    [FromQuery(Name = "requestId")] public string? RequestId { get; init; }

    [Description("Page size, 1 to 200 (default 50).")]
    [FromQuery(Name = "limit")] public int? Limit { get; init; }

    [Description("The nextCursor of the previous page.")]
    [FromQuery(Name = "cursor")] public long? Cursor { get; init; }
}

public sealed class AuditQueryValidator : AbstractValidator<AuditQuery>
{
    public AuditQueryValidator()
    {
        RuleFor(q => q.Action).Must(a => a is null || KebabEnum.TryParse<AuditAction>(a, out _))
            .WithMessage($"Use one of: {string.Join(", ", KebabEnum.AllCodes<AuditAction>())}.");
        RuleFor(q => q.Resource).OptionalText(50);
        RuleFor(q => q.ResourceId).OptionalText(100);
        RuleFor(q => q.RequestId).OptionalText(100);
        RuleFor(q => q.Limit).InclusiveBetween(1, RequestLimits.MaxPageSize).WithMessage($"1 to {RequestLimits.MaxPageSize}.");
        RuleFor(q => q.Cursor).GreaterThan(0).WithMessage("Not a cursor this endpoint issued.");
    }
}

/// <summary>One audited action.</summary>
public sealed record AuditRecord(
    long Id, DateTimeOffset At, string? RequestId, Guid? ApiKeyId, string? Role, Guid? HospitalId, string Action,
    string Resource, string ResourceId, int? VersionBefore, int? VersionAfter);

/// <summary>A page of the audit trail, newest first; pass nextCursor back as cursor.</summary>
public sealed record AuditPage(List<AuditRecord> Items, long? NextCursor, int Limit);

public static class AuditEndpoints
{
    /// <summary>Every write saved through EF Core is stamped and audited (<see cref="AuditStamping"/>).</summary>
    public static IServiceCollection AddAudit(this IServiceCollection services) =>
        services.AddSingleton<Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor, AuditStamping>();

    public static RouteGroupBuilder MapAudit(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/audit").WithTags("Audit").RequireAuthorization(Policies.Admin);

        group.MapGet("/", Query).WithName("QueryAudit")
            .WithSummary("Query the audit trail")
            .WithDescription("""
                Who (key, role, hospital) did what (resource, id, action, version before and after), when, in which
                request. Every write is recorded in the same transaction as the change itself, every read of a whole
                case before it is answered; rows can never be changed or deleted. Admin only.
                """);
        return group;
    }

    private static async Task<Ok<AuditPage>> Query([AsParameters] AuditQuery query, RegistryDb db, CancellationToken ct)
    {
        var limit = query.Limit ?? RequestLimits.DefaultPageSize;
        var rows = db.AuditLog.AsNoTracking();
        if (query.Resource is not null) rows = rows.Where(a => a.Resource == query.Resource);
        if (query.ResourceId is not null) rows = rows.Where(a => a.ResourceId == query.ResourceId);
        if (query.ApiKeyId is not null) rows = rows.Where(a => a.ApiKeyId == query.ApiKeyId);
        if (query.Action is not null) rows = rows.Where(a => a.Action == query.Action);
        if (query.RequestId is not null) rows = rows.Where(a => a.RequestId == query.RequestId);
        if (query.Cursor is not null) rows = rows.Where(a => a.Id < query.Cursor);

        var page = await rows.OrderByDescending(a => a.Id).Take(limit + 1)
            .Select(a => new AuditRecord(a.Id, a.At, a.RequestId, a.ApiKeyId, a.Role, a.HospitalId, a.Action, a.Resource,
                a.ResourceId, a.VersionBefore, a.VersionAfter))
            .ToListAsync(ct);
        var next = page.Count > limit ? page[limit - 1].Id : (long?)null;
        return TypedResults.Ok(new AuditPage(page.Take(limit).ToList(), next, limit));
    }
}
