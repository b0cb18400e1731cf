using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using Registry.Api.Fhir;

namespace Registry.Tests.Fhir;

/// <summary>
/// Firely's FhirClient, as a FHIR client speaks to a server, against the API on a real Kestrel port: whatever the
/// registry answers must be what a standard client expects. Every resource read passes Firely's validator.
/// </summary>
public sealed class FhirClientTests(KestrelRegistryApp app) : IClassFixture<KestrelRegistryApp>
{
    private readonly HttpClient _http = app.CreateClient();

    private FhirClient Client() => new(new Uri(_http.BaseAddress!, "/api/v1/fhir"), _http,
        new FhirClientSettings { PreferredFormat = ResourceFormat.Json, VerifyFhirVersion = true });

    private static T Valid<T>(T? resource) where T : Resource
    {
        Assert.NotNull(resource);
        FhirValidation.AssertValid(System.Text.Encoding.UTF8.GetString(FhirJson.Bytes(resource)));
        return resource;
    }

    [Fact]
    public async System.Threading.Tasks.Task FhirClient_reads_vreads_lists_history_and_searches_with_paging()
    {
        var client = Client();
        var caseId = Guid.Parse(FhirExportTests.Tiantan);
        var patientId = await app.QuerySingleAsync<Guid>("SELECT patient_id FROM cases WHERE id = @caseId", new { caseId });
        var encounterId = FhirJson.DerivedId(caseId, "encounter");

        var patient = Valid(await client.ReadAsync<Patient>($"Patient/{patientId}"));
        var encounter = Valid(await client.ReadAsync<Encounter>($"Encounter/{encounterId}"));
        var organization = Valid(await client.ReadAsync<Organization>(patient.ManagingOrganization.Reference));
        var version = Valid(await client.ReadAsync<Encounter>($"Encounter/{encounterId}/_history/{encounter.Meta.VersionId}"));
        var history = Valid(await client.HistoryAsync($"Encounter/{encounterId}"));

        Assert.Equal($"Patient/{patientId}", encounter.Subject.Reference);
        Assert.Equal("Beijing Tiantan Hospital", organization.Name);
        Assert.Equal(encounter.Meta.VersionId, version.Meta.VersionId);
        Assert.Equal(encounter.Meta.VersionId, Assert.Single(history!.Entry).Resource.Meta.VersionId);

        var expected = await app.QuerySingleAsync<int>("SELECT count(*)::int FROM cases WHERE diagnosis_snomed_ct = '13753008'");
        var page = Valid(await client.SearchAsync<Condition>(["code=http://snomed.info/sct|13753008"], pageSize: 1));
        var found = new List<string>();
        while (page is not null)
        {
            Assert.Equal(expected, page.Total);
            found.AddRange(page.Entry.Select(e => Valid(e.Resource as Condition).Id));
            page = await client.ContinueAsync(page);
        }
        Assert.Equal(expected, found.Distinct().Count());
        Assert.True(expected >= 2, "the seeds give at least two cases, so the search takes two pages");
    }

    [Fact]
    public async System.Threading.Tasks.Task FhirClient_posts_a_transaction_and_reads_every_location_it_answers()
    {
        var client = Client();
        var hospital = await _http.CreateHospitalAsync("FhirClient transaction");
        var source = await _http.CreateCaseAsync(CaseDocuments.Document(hospital, pseudonym: "fhir-client"));
        var transaction = (Bundle)FhirJson.Parse(System.Text.Encoding.UTF8.GetBytes(
            await _http.GetStringAsync($"/api/v1/cases/{source.Id}/fhir?bundleType=transaction"))).Resource!;
        await _http.DeleteCurrent($"/api/v1/cases/{source.Id}");

        var response = Valid(await client.TransactionAsync(transaction));

        Assert.Equal(Bundle.BundleType.TransactionResponse, response!.Type);
        Assert.Equal(transaction.Entry.Count, response.Entry.Count);
        for (var i = 0; i < response.Entry.Count; i++)
        {
            var read = Valid(await client.ReadAsync<Resource>(response.Entry[i].Response.Location));
            Assert.Equal(transaction.Entry[i].Resource.TypeName, read.TypeName);
        }
    }
}
