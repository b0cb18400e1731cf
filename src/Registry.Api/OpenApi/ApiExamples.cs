using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Registry.Api.Analytics;
using Registry.Api.Cases;
using Registry.Api.Common;
using Registry.Api.Diagnostics;
using Registry.Api.Drugs;
using Registry.Api.Hospitals;
using Registry.Api.Keys;
using Registry.Api.Medications;
using Registry.Api.Outcomes;
using Registry.Api.Patients;
using Registry.Api.Security;
using Registry.Api.Seeding;
using Registry.Api.Vocabulary;
using Registry.Api.Data;

namespace Registry.Api.OpenApi;

/// <summary>
/// Swagger examples for every contract type, derived from the first documented case in seeds/ (so examples are
/// the real seed data and cannot drift from it) and from the live drug vocabulary. Endpoints may still attach
/// their own with WithRequestExample/WithResponseExample; those win.
/// </summary>
public sealed class ApiExamples
{
    private static readonly DateTimeOffset Stamp = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid PatientId = Guid.Parse("0195f1a0-0000-7000-8000-0000000000a1");

    private readonly Dictionary<Type, object> _examples = [];

    public ApiExamples(SeedFile? seed, IReadOnlyDictionary<string, Drug> drugs)
    {
        AddProblems();
        Add(new Health.HealthEndpoints.HealthResponse("ready"));
        AddSecurity();

        if (seed is not { Hospital.Id: { } hospitalId, Hospital.Name: { } hospitalName, CaseId: { } caseId, Case: { } document }) return;
        var hospital = new Hospital { Id = hospitalId, Name = hospitalName, City = seed.Hospital.City, Country = seed.Hospital.Country, CreatedAt = Stamp, UpdatedAt = Stamp };
        Add(new HospitalRequest(hospital.Name, hospital.City, hospital.Country), hospital.ToResponse());

        var inline = document.Patient!;
        var patient = new Patient { Id = PatientId, HospitalId = hospital.Id, Pseudonym = inline.Pseudonym!, Sex = inline.Sex!.Value.ToCode(), BirthYear = inline.BirthYear, CreatedAt = Stamp, UpdatedAt = Stamp };
        Add(new PatientRequest(hospital.Id, patient.Pseudonym, inline.Sex, inline.BirthYear), patient.ToResponse());
        Add(new PatientPage([patient.ToResponse()], null, RequestLimits.DefaultPageSize));

        var entity = new Case
        {
            Id = caseId, HospitalId = hospital.Id, PatientId = PatientId, CreatedAt = Stamp, UpdatedAt = Stamp,
            PresentationDate = "", AffectedSide = "", DiagnosisName = "", DiagnosisIcd10 = "", Etiology = "",
        };
        document.ApplyTo(entity);
        document.ReplaceChildren(entity);
        foreach (var child in entity.Diagnostics.Concat<Data.Versioned>(entity.Medications).Concat(entity.Outcomes))
            (child.CreatedAt, child.UpdatedAt) = (Stamp, Stamp);
        var response = entity.ToResponse(drugs);
        var last = response.Outcomes.LastOrDefault();
        var improved = response.Outcomes.FirstOrDefault(o => o.Status <= OutcomeStatus.Improved);
        response = response with { FinalOutcome = last is null ? null : new FinalOutcome(last.Status, last.Day, improved?.Day) };
        Add(document, response);
        Add(new CasePage(
            [new CaseSummary(response.Id, PatientId, hospital.Id, response.SourceCaseId, inline.Sex!.Value, response.AgeAtPresentation,
                response.PresentationDate, response.AffectedSide, response.Diagnosis.Etiology,
                response.Medications.Select(m => m.Drug).Distinct().Order(StringComparer.Ordinal).ToList(), response.FinalOutcome,
                response.Version, Stamp, Stamp)],
            null, RequestLimits.DefaultPageSize));

        // The richest child of each kind: the one with measurements, adjustments, or the final assessment.
        var diagnostic = document.Diagnostics?.OrderByDescending(d => d.Measurements?.Count ?? 0).FirstOrDefault();
        if (diagnostic is not null)
            Add(diagnostic, response.Diagnostics.OrderByDescending(d => d.Measurements.Count).First());
        var medication = document.Medications?.OrderByDescending(m => m.Adjustments?.Count ?? 0).FirstOrDefault();
        if (medication is not null)
            Add(medication, response.Medications.OrderByDescending(m => m.Adjustments.Count).First());
        if (document.Outcomes is { Count: > 0 } outcomes)
            Add(outcomes[^1], response.Outcomes[^1]);
        AddAnalytics(hospital, response, inline.Sex!.Value);
        Add(new Bulk.BulkLineResult(1, "created", response.Id, $"/api/v1/cases/{response.Id}"));
        var drugList = drugs.Values.OrderBy(d => d.Code, StringComparer.Ordinal).Select(d => d.ToResponse()).ToList();
        Add(new VocabularyResponse(drugList, VocabularyEnums.All, VocabularyMapping.ScoreRanges));
        Add(VocabularyMapping.Example, drugList.FirstOrDefault(d => d.Code == "gabapentin") ?? new DrugResponse("gabapentin", "Gabapentin", "N03AX12", "anticonvulsant"));
    }

    /// <summary>Analytics over the registry holding just this seed case.</summary>
    private void AddAnalytics(Hospital hospital, CaseResponse seedCase, Sex sex)
    {
        var drugCodes = seedCase.Medications.Select(m => m.Drug).Distinct().Order(StringComparer.Ordinal).ToList();
        var final = seedCase.FinalOutcome;
        var counts = new FinalOutcomeCounts(
            final?.Status == OutcomeStatus.Resolved ? 1 : 0, final?.Status == OutcomeStatus.MarkedImprovement ? 1 : 0,
            final?.Status == OutcomeStatus.Improved ? 1 : 0, final?.Status == OutcomeStatus.Unchanged ? 1 : 0,
            final?.Status == OutcomeStatus.Worsened ? 1 : 0, final is null ? 1 : 0);
        var better = counts.Resolved!.Value + counts.MarkedImprovement!.Value + counts.Improved!.Value;
        Add(new OutcomesByCombinationReport(1, drugCodes.Count == 0 ? 1 : 0, drugCodes.Count == 0 ? [] :
            [new CombinationOutcomes(drugCodes, 1, counts, better, final is null ? null : better,
                ConfidenceInterval.Wilson(better, final is null ? 0 : 1), final?.FirstImprovementDay)]));
        Add(new RegistrySummaryReport(1,
            [new ValueCount(sex.ToCode(), 1)],
            [new ValueCount(seedCase.AgeAtPresentation >= 80 ? "80+" : $"{seedCase.AgeAtPresentation / 10 * 10}-{seedCase.AgeAtPresentation / 10 * 10 + 9}", 1)],
            [new ValueCount(seedCase.AffectedSide.ToCode(), 1)],
            [new ValueCount(seedCase.Diagnosis.Etiology.ToCode(), 1)],
            [new HospitalCount(hospital.Id, hospital.Name, 1)],
            [new YearCount(int.Parse(seedCase.PresentationDate[..4]), 1)]));
    }

    /// <summary>The example for a type, or for List&lt;T&gt; a one-item list of T's example; null when none.</summary>
    public object? For(Type type)
    {
        if (_examples.TryGetValue(type, out var example)) return example;
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) && For(type.GetGenericArguments()[0]) is { } item)
        {
            var list = (System.Collections.IList)Activator.CreateInstance(type)!;
            list.Add(item);
            return list;
        }
        return null;
    }

    public static ProblemDetails Problem(int status) => status switch
    {
        401 => new() { Status = 401, Title = "An API key is required.", Detail = "Send 'Authorization: Bearer <key>' with a valid, unrevoked key. Admins create keys with POST /api/v1/keys." },
        403 => new() { Status = 403, Title = "This key's role may not do this." },
        412 => new() { Status = 412, Title = "The resource has changed.", Detail = "If-Match was W/\"1\" but the resource is now at W/\"2\"; read it again and reapply your change." },
        422 => new() { Status = 422, Title = "Idempotency-Key reused with a different request." },
        428 => new() { Status = 428, Title = "If-Match is required.", Detail = "Send the ETag of your last read as If-Match (this resource is now at W/\"2\")." },
        429 => new() { Status = 429, Title = "Too many requests for this key." },
        404 => new() { Status = 404, Title = "Case not found.", Detail = "No case has id '0195f1a0-0000-7000-8000-00000000dead'." },
        409 => new() { Status = 409, Title = "Case already registered.", Detail = "This hospital already has a case with sourceCaseId 'TT-2019-0412'." },
        413 => new() { Status = 413, Title = "Request body too large." },
        415 => new() { Status = 415, Title = "Unsupported media type.", Detail = "Send the body as JSON with 'Content-Type: application/json'." },
        503 => new() { Status = 503, Title = "Database unavailable.", Detail = "The registry database cannot be reached; retry shortly." },
        _ => new() { Status = status, Title = "An unexpected error occurred." },
    };

    private void AddSecurity()
    {
        var key = new KeyResponse(Guid.Parse("0195f1a0-0000-7000-8000-0000000000b1"), "3fa85f6457c4",
            "Tiantan EHR interface", Role.Hospital, KeyBootstrap.TiantanHospital, Stamp, null);
        Add(new KeyRequest("Tiantan EHR interface", Role.Hospital, KeyBootstrap.TiantanHospital),
            new CreatedKeyResponse("hfs_3fa85f6457c4_k8v2Qm0xYw3Zr7Lp1Nd5Ft9Hj4Sb6Uc8Ea0Gi2Ko4Mq", key));
        Add(key);
        Add(new Audit.AuditPage(
            [new Audit.AuditRecord(1042, Stamp, "4bf92f3577b34da6a3ce929d0e0e4736", key.Id, "hospital", KeyBootstrap.TiantanHospital,
                "update", "case", "96779884-1e8a-4081-b248-6f698b027e6e", 1, 2)],
            1042, RequestLimits.DefaultPageSize));
    }

    private void AddProblems() =>
        _examples[typeof(HttpValidationProblemDetails)] = new HttpValidationProblemDetails(new Dictionary<string, string[]>
        {
            ["ageAtPresentation"] = ["Whole years, 0 to 120."],
            ["medications[0].drug"] = [$"Unknown drug code 'gabapentine'. {DrugCatalog.HowToFindCodes}"],
        })
        { Status = 400, Title = "The request has invalid fields." };

    private void Add<TRequest, TResponse>(TRequest request, TResponse response) where TRequest : notnull where TResponse : notnull
    {
        _examples[typeof(TRequest)] = request;
        _examples[typeof(TResponse)] = response;
    }

    private void Add<T>(T example) where T : notnull => _examples[typeof(T)] = example;

    /// <summary>Reads the first seed file, as the seed loader does.</summary>
    public static SeedFile? ReadFirstSeed(JsonSerializerOptions json)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "seeds");
        var first = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal).FirstOrDefault() : null;
        return first is null ? null : JsonSerializer.Deserialize<SeedFile>(File.ReadAllText(first), json);
    }
}
