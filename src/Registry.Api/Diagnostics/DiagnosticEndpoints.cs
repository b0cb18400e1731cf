using Microsoft.EntityFrameworkCore;
using Registry.Api.CaseChildren;
using Registry.Api.Common;
using Registry.Api.Data;

namespace Registry.Api.Diagnostics;

public static class DiagnosticEndpoints
{
    public static RouteGroupBuilder MapDiagnostics(this IEndpointRouteBuilder routes) =>
        routes.MapCaseChildren<DiagnosticResource, Diagnostic, DiagnosticRequest, DiagnosticResponse>(new(
            Label: "diagnostic",
            List: "Every examination and test of the case, ordered by day (undated last), then in the order they were sent " +
                "(one added later goes after the others of its day).",
            Create: "Records an examination or test of the case. Its day counts from admission (day 0); " +
                "measurements carry UCUM units (Cel, mm[Hg], /min). The id is generated and returned in the body and the Location header.",
            Get: "One diagnostic by id.",
            Replace: "Replaces every field of the diagnostic (fields left out become empty); its version increases by one. " +
                "It stays with its case.",
            Delete: "Deletes one diagnostic; the case and its other records are unchanged.",
            CreateExample: Examples.VitalSigns,
            ReplaceExample: Examples.VitalSigns));

    private static class Examples
    {
        /// <summary>Case 2 (Harbin, January 2022): the vital signs taken on admission.</summary>
        public static readonly DiagnosticRequest VitalSigns = new(
            Kind: DiagnosticKind.VitalSigns,
            Day: 0,
            Result: DiagnosticResult.Normal,
            Findings: ["clear consciousness", "stable vital signs"],
            Summary: "Vital signs stable on admission.",
            Measurements:
            [
                new("body-temperature", 36.6m, "Cel"),
                new("systolic-blood-pressure", 110m, "mm[Hg]"),
                new("diastolic-blood-pressure", 70m, "mm[Hg]"),
                new("heart-rate", 75m, "/min"),
                new("respiratory-rate", 17m, "/min"),
            ]);
    }
}

/// <summary>Diagnostics as a kind of case child, for the shared handlers.</summary>
public sealed class DiagnosticResource : ICaseChildKind<Diagnostic, DiagnosticRequest, DiagnosticResponse>
{
    public static string Name => "diagnostic";
    public static string Plural => "diagnostics";
    public static DbSet<Diagnostic> Set(RegistryDb db) => db.Diagnostics;
    public static IOrderedQueryable<Diagnostic> InOrder(IQueryable<Diagnostic> children) => children.OrderBy(d => d.Day).ThenBy(d => d.Ordinal).ThenBy(d => d.Id);
    public static Diagnostic Create(DiagnosticRequest request, Guid caseId, Guid hospitalId, int ordinal) => request.ToEntity(caseId, hospitalId, ordinal);
    public static void Apply(DiagnosticRequest request, Diagnostic entity) => request.ApplyTo(entity);

    public static Task<List<DiagnosticResponse>> ToResponsesAsync(IReadOnlyList<Diagnostic> children, IServiceProvider services, CancellationToken ct) =>
        Task.FromResult(children.Select(d => d.ToResponse()).ToList());
}
