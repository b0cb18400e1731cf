using Registry.Api.Analytics;
using Registry.Api.Cases;
using Registry.Api.Drugs;
using Registry.Api.Patients;

namespace Registry.Tests.Analytics;

/// <summary>
/// The analytics group by columns the database keeps on each case (its drug combination and its patient's sex);
/// these tests change the rows those columns are kept from and read the reports again.
/// </summary>
public sealed class GroupingKeyTests : IClassFixture<RegistryApp>
{
    private readonly HttpClient _client;

    public GroupingKeyTests(RegistryApp app) => _client = app.CreateClient();

    [Fact]
    public async Task Correcting_a_patients_sex_moves_their_cases_in_sex_filters_and_the_summary()
    {
        var hospital = await _client.CreateHospitalAsync("Sex Correction Hospital");
        var created = await _client.CreateCaseAsync(CaseDocuments.Document(hospital, "S-1", Sex.Female));
        await _client.CreateCaseAsync(CaseDocuments.Document(hospital, "S-1", Sex.Female, presentation: "2020-02"));

        var corrected = await _client.PutCurrent($"/api/v1/patients/{created.PatientId}",
            new PatientRequest(hospital, "S-1", Sex.Male, null));
        await corrected.ReadAs<PatientResponse>(HttpStatusCode.OK);

        var males = await (await _client.GetAsync($"/api/v1/cases?hospitalId={hospital}&sex=male")).ReadAs<CasePage>(HttpStatusCode.OK);
        Assert.Equal(2, males.Items.Count);
        Assert.All(males.Items, c => Assert.Equal(Sex.Male, c.Sex));
        var females = await (await _client.GetAsync($"/api/v1/cases?hospitalId={hospital}&sex=female")).ReadAs<CasePage>(HttpStatusCode.OK);
        Assert.Empty(females.Items);
        var summary = await (await _client.GetAsync($"/api/v1/analytics/summary?hospitalId={hospital}")).ReadAs<RegistrySummaryReport>(HttpStatusCode.OK);
        Assert.Equal([new ValueCount("male", 2)], summary.BySex);
    }

    [Fact]
    public async Task Replacing_a_cases_medications_moves_it_to_its_new_combination()
    {
        var hospital = await _client.CreateHospitalAsync("Combination Hospital");
        var created = await _client.CreateCaseAsync(CaseDocuments.Document(hospital, "C-1", drugs: ["gabapentin", "thiamine"]));

        var replaced = await _client.PutCurrent($"/api/v1/cases/{created.Id}",
            CaseDocuments.Document(hospital, "C-1", drugs: ["carbamazepine", "mecobalamin", "thiamine"]));
        await replaced.ReadAs<CaseResponse>(HttpStatusCode.OK);

        var report = await Combinations(hospital);
        Assert.Equal((1, 0), (report.TotalCases, report.CasesWithoutDrugs));
        Assert.Equal([["carbamazepine", "mecobalamin", "thiamine"]], report.Combinations.Select(c => c.Drugs));
        var byDrug = await (await _client.GetAsync($"/api/v1/analytics/outcomes-by-drug?hospitalId={hospital}")).ReadAs<OutcomesByDrugReport>(HttpStatusCode.OK);
        Assert.Equal(["carbamazepine", "mecobalamin", "thiamine"], byDrug.Drugs.Select(d => d.Drug).Order());

        var emptied = await _client.PutCurrent($"/api/v1/cases/{created.Id}", CaseDocuments.Document(hospital, "C-1", drugs: []));
        await emptied.ReadAs<CaseResponse>(HttpStatusCode.OK);

        report = await Combinations(hospital);
        Assert.Equal((1, 1), (report.TotalCases, report.CasesWithoutDrugs));
        Assert.Empty(report.Combinations);
    }

    [Fact]
    public async Task Cases_with_the_same_drugs_share_one_combination_however_the_drugs_were_listed()
    {
        var hospital = await _client.CreateHospitalAsync("Same Drugs Hospital");
        await _client.CreateCaseAsync(CaseDocuments.Document(hospital, "D-1", drugs: ["thiamine", "gabapentin"]));
        await _client.CreateCaseAsync(CaseDocuments.Document(hospital, "D-2", drugs: ["gabapentin", "thiamine", "gabapentin"]));

        var report = await Combinations(hospital);
        var combination = Assert.Single(report.Combinations);
        Assert.Equal(["gabapentin", "thiamine"], combination.Drugs);
        Assert.Equal(2, combination.Cases);
    }

    private async Task<OutcomesByCombinationReport> Combinations(Guid hospital) =>
        await (await _client.GetAsync($"/api/v1/analytics/outcomes-by-combination?hospitalId={hospital}"))
            .ReadAs<OutcomesByCombinationReport>(HttpStatusCode.OK);
}
