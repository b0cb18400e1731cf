using System.Text.Json;
using Registry.Api.Common;
using Registry.Api.Seeding;
using Registry.Api.Vocabulary;

namespace Registry.Api.Cases;

/// <summary>
/// Swagger examples taken from the first documented case in seeds/, so the examples are the real seed data
/// and cannot drift from it.
/// </summary>
public static class CaseExamples
{
    private static readonly Lazy<SeedFile?> Seed = new(() =>
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "seeds");
        var first = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal).FirstOrDefault() : null;
        if (first is null) return null;
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { Converters = { new KebabEnumConverterFactory() } };
        return JsonSerializer.Deserialize<SeedFile>(File.ReadAllText(first), options);
    });

    public static object Document => Seed.Value?.Case ?? (object)new { };

    public static object Response => Seed.Value is { } seed ? ToResponse(seed) : new { };

    public static object Page => Seed.Value is { } seed
        ? new CasePage([Summary(seed)], null, RequestLimits.DefaultPageSize)
        : new { };

    private static CaseResponse ToResponse(SeedFile seed)
    {
        var entity = new Case
        {
            Id = seed.CaseId, HospitalId = seed.Hospital.Id, PatientId = Guid.Parse("0195f1a0-0000-7000-8000-000000000001"),
            PresentationDate = "", AffectedSide = "", DiagnosisName = "", DiagnosisIcd10 = "", Etiology = "",
            CreatedAt = new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero),
        };
        entity.UpdatedAt = entity.CreatedAt;
        seed.Case.ApplyTo(entity);
        seed.Case.ReplaceChildren(entity);
        foreach (var child in entity.Diagnostics.Concat<Data.Versioned>(entity.Medications).Concat(entity.Outcomes))
            (child.CreatedAt, child.UpdatedAt) = (entity.CreatedAt, entity.CreatedAt);
        var drugs = new Dictionary<string, Drug>
        {
            ["thiamine"] = new() { Code = "thiamine", Name = "Vitamin B1 (thiamine)", AtcCode = "A11DA01", DrugClass = "vitamin (neurotrophic)" },
            ["cobalamin"] = new() { Code = "cobalamin", Name = "Vitamin B12 (cobalamin)", AtcCode = "B03BA", DrugClass = "vitamin (neurotrophic)" },
            ["gabapentin"] = new() { Code = "gabapentin", Name = "Gabapentin", AtcCode = "N03AX12", DrugClass = "anticonvulsant" },
        };
        var response = entity.ToResponse(drugs);
        var last = response.Outcomes.LastOrDefault();
        var firstImproved = response.Outcomes.FirstOrDefault(o => o.Status <= Outcomes.OutcomeStatus.Improved);
        return response with { FinalOutcome = last is null ? null : new FinalOutcome(last.Status, last.Day, firstImproved?.Day) };
    }

    private static CaseSummary Summary(SeedFile seed)
    {
        var c = ToResponse(seed);
        return new CaseSummary(c.Id, c.PatientId, c.HospitalId, c.SourceCaseId, seed.Case.Patient?.Sex ?? Patients.Sex.Unknown,
            c.AgeAtPresentation, c.PresentationDate, c.AffectedSide, c.Diagnosis.Etiology,
            c.Medications.Select(m => m.Drug).Distinct().Order(StringComparer.Ordinal).ToList(), c.FinalOutcome,
            c.Version, c.CreatedAt, c.UpdatedAt);
    }
}
