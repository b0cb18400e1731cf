using System.ComponentModel;
using FluentValidation;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Mvc;
using Registry.Api.Cases;
using Registry.Api.Exports;
using FhirBundle = Hl7.Fhir.Model.Bundle;

namespace Registry.Api.Fhir;

/// <summary>GET /fhir/$export-bundles: the GET /cases filters and, for an incremental export, the cursor.</summary>
public sealed class FhirExportQuery : CaseFilters
{
    [Description(ExportCursor.Description)]
    [FromQuery(Name = ExportCursor.Parameter)]
    public string? Since { get; init; }
}

public sealed class FhirExportQueryValidator : AbstractValidator<FhirExportQuery>
{
    public FhirExportQueryValidator(IValidator<CaseFilters> filters)
    {
        Include(filters);
        RuleFor(q => q.Since).Must(ExportCursor.IsValid).WithMessage(ExportCursor.Invalid);
    }
}

/// <summary>
/// $export-bundles?since=: which cases changed since the cursor, and which were deleted, read in the one snapshot of
/// an Exports/ChangeFeed, and how FHIR NDJSON carries tombstones and the next cursor.
/// </summary>
public static class FhirChanges
{
    /// <summary>
    /// The matching cases changed since the feed's cursor, in id order, a batch at a time, all in the feed's snapshot.
    /// <paramref name="versions"/> gets the version each had in that snapshot: the Bundles are read from the live
    /// tables afterwards (FhirCases), and a case written again meanwhile is left for the next export, whose cursor
    /// has not seen that write (sending it now would send it twice).
    /// </summary>
    public static async IAsyncEnumerable<List<Guid>> ChangedIdBatchesAsync(
        ChangeFeed feed, CaseFilters filters, Dictionary<Guid, int> versions,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var (where, parameters) = filters.ToSql();
        Guid? after = null;
        while (true)
        {
            parameters.Add("after", after);
            var rows = (await feed.QueryAsync<(Guid Id, int Version)>($"""
                SELECT c.id, c.version FROM {feed.Cases} JOIN patients p ON p.id = c.patient_id
                WHERE {where} AND (@after::uuid IS NULL OR c.id > @after)
                ORDER BY c.id LIMIT {FhirCases.BatchSize}
                """, parameters, ct)).ToList();
            if (rows.Count == 0) yield break;
            lock (versions) foreach (var (id, version) in rows) versions[id] = version;
            yield return rows.Select(r => r.Id).ToList();
            if (rows.Count < FhirCases.BatchSize) yield break;
            after = rows[^1].Id;
        }
    }

    /// <summary>Whether the live case read is the version the feed's snapshot saw (see <see cref="ChangedIdBatchesAsync"/>).</summary>
    public static bool AsSnapshotSaw(FhirCase read, Dictionary<Guid, int> versions)
    {
        lock (versions) return versions.Remove(read.Case.Id, out var seen) && seen == read.Case.Version;
    }

    /// <summary>
    /// A deleted case as FHIR's _history reports a deletion: a history Bundle with the case's id and identifier (as the
    /// case's collection Bundle has them) whose one entry is the DELETE of the case's Encounter, with no resource,
    /// answered 204 at the time of the deletion.
    /// </summary>
    public static FhirBundle Tombstone(Tombstone deleted) => new()
    {
        Id = deleted.Id.ToString(),
        Identifier = new Identifier(FhirSystems.CaseIdSystem, deleted.Id.ToString()),
        Type = FhirBundle.BundleType.History,
        Entry =
        [
            new FhirBundle.EntryComponent
            {
                Request = new FhirBundle.RequestComponent
                {
                    Method = FhirBundle.HTTPVerb.DELETE, Url = $"Encounter/{FhirJson.DerivedId(deleted.Id, "encounter")}",
                },
                Response = new FhirBundle.ResponseComponent { Status = "204", LastModified = deleted.DeletedAt },
            },
        ],
    };

    /// <summary>The last line of an incremental export: a Parameters resource whose <c>nextSince</c> is the next cursor.</summary>
    public static Parameters Trailer(string next) => new()
    {
        Parameter = [new Parameters.ParameterComponent { Name = "nextSince", Value = new FhirString(next) }],
    };
}
