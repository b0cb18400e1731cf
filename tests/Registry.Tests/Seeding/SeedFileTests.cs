using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Registry.Api.Common;
using Registry.Api.Data;
using Registry.Api.Drugs;
using Registry.Api.Seeding;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Registry.Tests.Seeding;

/// <summary>The seed files read as the API reads a request: strict JSON, known enum codes, known drugs.</summary>
public sealed class SeedFileTests
{
    private static readonly ServiceProvider Services = new ServiceCollection().AddRegistryJson().BuildServiceProvider();

    public static TheoryData<string> SeedFiles() =>
        new(Directory.GetFiles(SeedLoader.SeedDirectory, "*.json").Select(Path.GetFileName).Order()!);

    private static SeedFile Read(string file) => JsonSerializer.Deserialize<SeedFile>(
        File.ReadAllText(Path.Combine(SeedLoader.SeedDirectory, file)),
        Services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions)!;

    [Fact]
    public void Both_documented_cases_are_seeded()
    {
        Assert.Equal(2, SeedFiles().Count);
    }

    [Theory]
    [MemberData(nameof(SeedFiles))]
    public void Seed_file_reads_strictly_as_a_hospital_and_a_case_document(string file)
    {
        var seed = Read(file);

        Assert.NotNull(seed.Hospital?.Id);
        Assert.NotNull(seed.CaseId);
        Assert.Equal(seed.Hospital!.Id, seed.Case!.HospitalId);
        Assert.NotNull(seed.Case.Patient);
        Assert.Null(seed.Case.Patient!.BirthYear); // neither document gives one
        Assert.Matches(@"^\d{4}-\d{2}$", seed.Case.PresentationDate!); // month precision, no invented day
        Assert.Equal(("G51.3", "13753008"), (seed.Case.Diagnosis!.Icd10, seed.Case.Diagnosis.SnomedCt));
    }

    [Theory]
    [MemberData(nameof(SeedFiles))]
    public void Seed_drugs_are_all_in_the_vocabulary_migration(string file)
    {
        var vocabulary = Migrator.Scripts().Single(s => s.Version.EndsWith("drug_vocabulary")).Sql;
        var codes = Regex.Matches(vocabulary, @"^\s*\('([a-z0-9-]+)'", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToHashSet();

        var drugs = Read(file).Case!.Medications!.Select(m => m.Drug!).ToList();

        Assert.NotEmpty(drugs);
        Assert.All(drugs, drug => Assert.Contains(drug, codes));
    }
}
