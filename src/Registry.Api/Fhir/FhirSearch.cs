using System.Text;
using Dapper;
using Hl7.Fhir.Model;
using Npgsql;
using Registry.Api.Common;
using Registry.Api.Security;
using Registry.Api.Vocabulary;
using FhirBundle = Hl7.Fhir.Model.Bundle;

using Registry.Api.Drugs;
using Registry.Api.Data;

namespace Registry.Api.Fhir;

/// <summary>A search FHIR's strict handling refuses: 400, an OperationOutcome naming each parameter.</summary>
public sealed record FhirSearchRefusal(List<FhirIssue> Issues);

/// <summary>
/// FHIR search: a searchset Bundle per page, keyset-paged like GET /cases. Each resource belongs to an owner row —
/// a patient, a hospital, or a case (every other type) — and pages walk owners in id order; the cursor is the last
/// owner served and how many of its matching resources were. SQL picks the owners (with the caller's tenancy) and
/// counts the matches; the owners' resources are built as a read builds them, then matched exactly. Observation and
/// DiagnosticReport are searched within one patient (subject) or by _id (a patient has few cases), Medication by _id.
/// </summary>
public sealed class FhirSearch(FhirResources resources, CallerDataSource dataSource, DrugCatalog drugs, Caller caller)
{
    /// <summary>Totals are counted exactly up to this many matches, and left out above: a page costs the same at any registry size.</summary>
    public const int TotalLimit = 10_000;

    /// <summary>Owners read at once for a search within one patient.</summary>
    private const int PatientScope = 1_000;

    public static readonly IReadOnlyDictionary<string, string[]> Supported = new Dictionary<string, string[]>
    {
        ["Patient"] = ["_id", "_lastUpdated", "identifier", "gender"],
        ["Organization"] = ["_id", "_lastUpdated"],
        ["Encounter"] = ["_id", "_lastUpdated", "identifier", "subject"],
        ["Condition"] = ["_id", "_lastUpdated", "code", "subject"],
        ["MedicationStatement"] = ["_id", "_lastUpdated", "code", "subject", "_include"],
        ["Observation"] = ["_id", "_lastUpdated", "code", "subject"],
        ["DiagnosticReport"] = ["_id", "_lastUpdated", "subject"],
        ["Medication"] = ["_id", "_lastUpdated"],
    };

    /// <summary>
    /// Types searched within one patient (or by _id): a search must give one of these parameters. The
    /// CapabilityStatement declares them as search-parameter combinations.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string[]> RequiredOneOf = new Dictionary<string, string[]>
    {
        ["Observation"] = ["subject", "_id"],
        ["DiagnosticReport"] = ["subject", "_id"],
        ["Medication"] = ["_id"],
    };

    private static readonly string[] Paging = ["_count", "_cursor"];
    private const string IncludeMedication = "MedicationStatement:medication";

    private sealed record Criteria(Guid? Id, List<LastUpdatedBound> LastUpdated, Token? Identifier, string? Gender, Token? Code, Guid? Subject);

    private sealed record Page(List<RestResource> Matches, List<RestResource> Included, int? Total, (Guid Owner, int Skip)? Next);

    public async Task<OneOf> SearchAsync(string type, FhirSearchQuery query, string baseUrl, string selfUrl, CancellationToken ct)
    {
        var issues = new List<FhirIssue>();
        var allowed = Supported[type];
        issues.AddRange(query.Given().Where(p => !allowed.Contains(p) && !Paging.Contains(p))
            .Select(p => new FhirIssue("not-supported", p, $"{type} search does not support '{p}'. It takes: {string.Join(", ", allowed.Concat(Paging))}.")));
        var count = RequestLimits.DefaultPageSize;
        if (query.Count is not null && (!int.TryParse(query.Count, out count) || count is < 1 or > RequestLimits.MaxPageSize))
            issues.Add(new FhirIssue("invalid", "_count", $"Use 1 to {RequestLimits.MaxPageSize}."));
        (Guid Owner, int Skip)? after = null;
        if (query.Cursor is not null && (after = DecodeCursor(query.Cursor)) is null)
            issues.Add(new FhirIssue("invalid", "_cursor", "Not a cursor this search issued; follow the next link unchanged."));
        if (query.Include is not null && query.Include != IncludeMedication)
            issues.Add(new FhirIssue("not-supported", "_include", $"Only {IncludeMedication} is supported."));
        var criteria = Parse(type, query, issues);
        if (RequiredOneOf.TryGetValue(type, out var oneOf) && !query.Given().Intersect(oneOf).Any())
            issues.Add(new FhirIssue("not-supported", oneOf[0], $"{type} is searched {(oneOf.Contains("subject") ? "within one patient: give subject (or _id)" : "by _id: give _id")}."));
        if (issues.Count > 0) return new OneOf(null, new FhirSearchRefusal(issues));

        var page = await PageAsync(type, criteria, count, after, query.Include is not null, ct);
        return new OneOf(Searchset(type, page, baseUrl, selfUrl, query), null);
    }

    /// <summary>The searchset, or the refusal.</summary>
    public sealed record OneOf(FhirBundle? Bundle, FhirSearchRefusal? Refusal);

    private Criteria Parse(string type, FhirSearchQuery query, List<FhirIssue> issues)
    {
        Guid? id = null;
        if (query.Id is not null)
            id = Guid.TryParse(query.Id, out var parsed) ? parsed : Guid.Empty; // an id the registry never gives: no match
        var bounds = new List<LastUpdatedBound>();
        foreach (var text in query.LastUpdated ?? [])
        {
            if (LastUpdatedBound.Parse(text) is { } parsedBounds) bounds.AddRange(parsedBounds);
            else issues.Add(new FhirIssue("invalid", "_lastUpdated", $"'{text}' is not an instant or date (yyyy-MM-dd), optionally prefixed gt, ge, lt, le or eq."));
        }
        // A comma is FHIR's OR list, and a repeat its AND (binding joins a repeat with a comma too). Neither is
        // supported; answered as one value, either would silently find nothing.
        foreach (var (name, value) in new[] { ("_id", query.Id), ("identifier", query.Identifier), ("gender", query.Gender), ("code", query.Code), ("subject", query.Subject) })
            if (value is not null && Token.IsList(value))
                issues.Add(new FhirIssue("not-supported", name,
                    $"'{value}': a list of values ('a,b', or {name} given more than once) is not supported; search once per value (a comma in a value is written \\,)."));
        if (query.Gender is not (null or "male" or "female" or "other" or "unknown") && !Token.IsList(query.Gender))
            issues.Add(new FhirIssue("invalid", "gender", "Use male, female, other or unknown."));
        Guid? subject = null;
        if (query.Subject is { } s)
        {
            var text = s.StartsWith("Patient/", StringComparison.Ordinal) ? s["Patient/".Length..] : s;
            if (Guid.TryParse(text, out var patient)) subject = patient;
            else issues.Add(new FhirIssue("invalid", "subject", "Use Patient/{id} or the patient's id."));
        }
        return new Criteria(id, bounds, query.Identifier is { } i ? Token.Parse(i) : null, query.Gender,
            query.Code is { } c ? Token.Parse(c) : null, subject);
    }

    private async Task<Page> PageAsync(string type, Criteria criteria, int count, (Guid Owner, int Skip)? after, bool include, CancellationToken ct)
    {
        var sql = await OwnerSqlAsync(type, criteria, ct);
        var withinPatient = RequiredOneOf.ContainsKey(type);
        // Within one patient every owner is read from the start, so the total is counted exactly as the resources are.
        var from = withinPatient ? null : after;
        var owners = await OwnersAsync(sql, from?.Owner, withinPatient ? PatientScope : count + 1, ct);

        var matches = new List<RestResource>();
        var included = new List<RestResource>();
        var all = 0;
        (Guid Owner, int Skip)? next = null;
        foreach (var (owner, ownerResources) in await ResourcesAsync(type, owners, ct))
        {
            var matching = ownerResources.Where(r => r.Resource.TypeName == type && Matches(r.Resource, criteria, ownerResources)).ToList();
            var skip = after is { } a ? (owner.CompareTo(a.Owner) < 0 ? matching.Count : owner == a.Owner ? a.Skip : 0) : 0;
            all += matching.Count;
            for (var i = skip; i < matching.Count; i++)
            {
                if (matches.Count == count) { next ??= (owner, i); break; }
                matches.Add(matching[i]);
                if (include && matching[i].Resource is MedicationStatement statement)
                    included.AddRange(ownerResources.Where(r => r.Resource is Medication && statement.Medication is ResourceReference reference
                        && reference.Reference == $"Medication/{r.Resource.Id}"));
            }
        }
        if (next is null && !withinPatient && owners.Count > count && matches.Count == count)
            next = (owners[^1], 0); // an owner left over: it has a match, so there is a next page
        var total = withinPatient ? all : await CountAsync(type, sql, criteria, ct);
        return new Page(matches, included, total, next);
    }

    /// <summary>The resources of these owners, in owner order, each owner's in the order its bundle lists them.</summary>
    private async Task<List<(Guid Owner, List<RestResource> Resources)>> ResourcesAsync(string type, List<Guid> owners, CancellationToken ct)
    {
        switch (type)
        {
            case "Patient":
                var patients = new List<(Guid, List<RestResource>)>();
                foreach (var id in owners)
                    if (await resources.PatientAsync(id, ct) is { } p) patients.Add((id, [p]));
                return patients;
            case "Organization":
                var organizations = new List<(Guid, List<RestResource>)>();
                foreach (var id in owners)
                    if (await resources.OrganizationAsync(id, ct) is { } o) organizations.Add((id, [o]));
                return organizations;
            default:
                // A MedicationStatement is matched and included through its Medication: build both.
                return (await resources.CaseResourcesAsync(owners, null, ct, type == "MedicationStatement" ? null : type)).Select(c => (c.Case.Case.Id, c.Resources)).ToList();
        }
    }

    /// <summary>Whether a resource meets the criteria SQL could only narrow down to its owner.</summary>
    private static bool Matches(Resource resource, Criteria criteria, List<RestResource> siblings) =>
        (criteria.Id is null || resource.Id == criteria.Id.ToString())
        && (criteria.Code is not { } code || resource switch
        {
            Condition condition => code.Matches(condition.Code),
            Observation observation => code.Matches(observation.Code),
            MedicationStatement statement => siblings.Any(s => s.Resource is Medication medication
                && (statement.Medication as ResourceReference)?.Reference == $"Medication/{medication.Id}" && code.Matches(medication.Code)),
            _ => true,
        });

    private sealed record OwnerSql(string Table, string Where, DynamicParameters Parameters);

    /// <summary>The owners that hold at least one match: exactly for every criterion SQL can decide, a superset otherwise.</summary>
    private async Task<OwnerSql> OwnerSqlAsync(string type, Criteria criteria, CancellationToken ct)
    {
        var where = new List<string>();
        var parameters = new DynamicParameters();
        var table = type switch { "Patient" => "patients", "Organization" => "hospitals", _ => "cases" };
        for (var i = 0; i < criteria.LastUpdated.Count; i++)
        {
            where.Add(criteria.LastUpdated[i].Sql("o.updated_at", $"lu{i}"));
            parameters.Add($"lu{i}", criteria.LastUpdated[i].At);
        }
        if (criteria.Id is { } id)
        {
            var owners = table == "cases" ? await resources.OwningCasesAsync(FhirResources.SeedCandidates(type, id).ToArray(), ct) : [id];
            where.Add("o.id = ANY(@owners)");
            parameters.Add("owners", owners.ToArray());
        }
        if (criteria.Subject is { } subject)
        {
            where.Add("o.patient_id = @subject");
            parameters.Add("subject", subject);
        }
        if (criteria.Gender is { } gender)
        {
            where.Add("o.sex = @gender");
            parameters.Add("gender", gender);
        }
        if (criteria.Identifier is { } identifier)
        {
            // The identifiers are the hospital's own; analysts read without them, so nothing matches for them.
            var (column, system) = type == "Patient" ? ("o.pseudonym", "pseudonym") : ("o.source_case_id", "case");
            where.Add(caller.IsAnalyst ? "false" : $"{column} = @identifier");
            parameters.Add("identifier", identifier.Code);
            if (!identifier.AnySystem)
            {
                where.Add("o.hospital_id = @identifierHospital");
                parameters.Add("identifierHospital", HospitalOfSystem(identifier.System, system) ?? Guid.Empty);
            }
        }
        if (criteria.Code is { } code)
        {
            switch (type)
            {
                case "Condition":
                    where.Add(ConditionCode(code));
                    parameters.Add("code", code.Code);
                    break;
                case "MedicationStatement":
                    where.Add("EXISTS (SELECT 1 FROM medications m WHERE m.case_id = o.id AND m.drug = ANY(@drugs))");
                    parameters.Add("drugs", await DrugCodesAsync(code, ct));
                    break;
            }
        }
        if (type == "MedicationStatement" && criteria.Code is null)
            where.Add("EXISTS (SELECT 1 FROM medications m WHERE m.case_id = o.id)");
        return new OwnerSql(table, where.Count == 0 ? "true" : string.Join(" AND ", where), parameters);
    }

    private static string ConditionCode(Token code) => code switch
    {
        { AnySystem: true } => "(o.diagnosis_snomed_ct = @code OR o.diagnosis_icd10 = @code OR @code = 'prior-facial-palsy')",
        { System: FhirSystems.Snomed } => "o.diagnosis_snomed_ct = @code",
        { System: FhirSystems.Icd10 } => "o.diagnosis_icd10 = @code",
        _ when code.System == FhirSystems.Codes.Condition => "@code = 'prior-facial-palsy'",
        _ => "false",
    };

    /// <summary>The registry drug codes a MedicationStatement code names: an ATC code, or the registry's own.</summary>
    private async Task<string[]> DrugCodesAsync(Token code, CancellationToken ct) =>
        (await drugs.AllAsync(ct)).Values.Where(d =>
                ((code.AnySystem || code.System == FhirSystems.Atc) && d.AtcCode == code.Code)
                || ((code.AnySystem || code.System == FhirSystems.Codes.Drug) && d.Code == code.Code))
            .Select(d => d.Code).ToArray();

    /// <summary>The hospital a per-hospital identifier system names (sid/hospital/{id}/{kind}), or null.</summary>
    private static Guid? HospitalOfSystem(string? system, string kind)
    {
        var prefix = $"{FhirSystems.Base}sid/hospital/";
        return system is not null && system.StartsWith(prefix, StringComparison.Ordinal) && system.EndsWith($"/{kind}", StringComparison.Ordinal)
               && Guid.TryParse(system[prefix.Length..^(kind.Length + 1)], out var hospital) ? hospital : null;
    }

    private async Task<List<Guid>> OwnersAsync(OwnerSql sql, Guid? from, int take, CancellationToken ct)
    {
        var parameters = new DynamicParameters(sql.Parameters);
        parameters.Add("from", from);
        parameters.Add("take", take);
        await using var connection = await dataSource.OpenConnectionAsync(ct, planEachCall: true);
        return (await connection.QueryAsync<Guid>(new CommandDefinition(
            $"SELECT o.id FROM {sql.Table} o WHERE {sql.Where} AND (@from::uuid IS NULL OR o.id >= @from) ORDER BY o.id LIMIT @take",
            parameters, cancellationToken: ct))).ToList();
    }

    /// <summary>
    /// How many resources match, counted in SQL up to <see cref="TotalLimit"/> (null above it): one per patient,
    /// hospital or encounter, one or two Conditions per case (a code picks one of them), a MedicationStatement per medication.
    /// </summary>
    private async Task<int?> CountAsync(string type, OwnerSql sql, Criteria criteria, CancellationToken ct)
    {
        var rows = type == "MedicationStatement"
            ? $"SELECT 1 FROM {sql.Table} o JOIN medications m ON m.case_id = o.id WHERE {sql.Where}{(criteria.Code is null ? "" : " AND m.drug = ANY(@drugs)")}"
            : $"SELECT 1 FROM {sql.Table} o WHERE {sql.Where}";
        await using var connection = await dataSource.OpenConnectionAsync(ct, planEachCall: true);
        var counted = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            $"SELECT count(*) FROM ({rows} LIMIT {TotalLimit + 1}) matches", sql.Parameters, cancellationToken: ct));
        if (counted > TotalLimit) return null;
        // Every case has both Conditions; a code or an id matches one of them.
        return type == "Condition" && criteria.Code is null && criteria.Id is null ? counted * 2 : counted;
    }

    private static FhirBundle Searchset(string type, Page page, string baseUrl, string selfUrl, FhirSearchQuery query)
    {
        var bundle = new FhirBundle
        {
            Type = FhirBundle.BundleType.Searchset,
            Total = page.Total,
            Link = [new FhirBundle.LinkComponent { Relation = "self", Url = selfUrl }],
            Entry =
            [
                .. page.Matches.Select(r => Entry(r, baseUrl, FhirBundle.SearchEntryMode.Match)),
                .. page.Included.DistinctBy(r => r.Resource.Id).Select(r => Entry(r, baseUrl, FhirBundle.SearchEntryMode.Include)),
            ],
        };
        if (page.Next is { } next)
            bundle.Link.Add(new FhirBundle.LinkComponent { Relation = "next", Url = NextUrl(type, baseUrl, selfUrl, EncodeCursor(next)) });
        return bundle;
    }

    private static FhirBundle.EntryComponent Entry(RestResource r, string baseUrl, FhirBundle.SearchEntryMode mode) => new()
    {
        FullUrl = $"{baseUrl}/{r.Resource.TypeName}/{r.Resource.Id}",
        Resource = r.Resource,
        Search = new FhirBundle.SearchComponent { Mode = mode },
    };

    /// <summary>The same search with the cursor of the next page.</summary>
    private static string NextUrl(string type, string baseUrl, string selfUrl, string cursor)
    {
        var uri = new Uri(selfUrl);
        var parameters = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(uri.Query)
            .Where(p => p.Key != "_cursor")
            .SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string?>(p.Key, v)))
            .Append(new KeyValuePair<string, string?>("_cursor", cursor));
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString($"{baseUrl}/{type}", parameters);
    }

    private static string EncodeCursor((Guid Owner, int Skip) next) =>
        System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{next.Owner:N}.{next.Skip}"));

    private static (Guid Owner, int Skip)? DecodeCursor(string text)
    {
        try
        {
            var parts = Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(text)).Split('.');
            return parts.Length == 2 && Guid.TryParseExact(parts[0], "N", out var owner) && int.TryParse(parts[1], out var skip) && skip >= 0
                ? (owner, skip) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
