using System.Text.Json.Nodes;
using Registry.Api.Cases;
using Registry.Api.Drugs;
using Registry.Api.Medications;
using Registry.Api.Outcomes;
using Registry.Api.Patients;

namespace Registry.Tests.Cases;

public sealed class CaseApiTests(RegistryApp app) : ApiTests(app)
{
    [Fact]
    public async Task Whole_case_document_is_stored_and_read_back_with_all_its_children()
    {
        var hospital = await Client.CreateHospitalAsync();

        var response = await Client.PostAsJson("/api/v1/cases", CaseDocuments.Document(hospital, sourceCaseId: "TT-1"));

        var created = await response.ReadAs<CaseResponse>(HttpStatusCode.Created);
        Assert.Equal($"/api/v1/cases/{created.Id}", response.Headers.Location?.OriginalString);
        var read = await (await Client.GetAsync($"/api/v1/cases/{created.Id}")).ReadAs<CaseResponse>(HttpStatusCode.OK);
        Assert.Equal((hospital, "TT-1", 47, "2019-04", 1), (read.HospitalId, read.SourceCaseId, read.AgeAtPresentation, read.PresentationDate, read.Version));
        Assert.Equal([FacialRegion.Eyelid, FacialRegion.Cheek, FacialRegion.MouthCorner], read.AffectedRegions);
        Assert.Equal(2, read.Diagnostics.Count);
        Assert.Contains(read.Diagnostics.SelectMany(d => d.Measurements), m => m is { Name: "body-temperature", Value: 36.6m, Unit: "Cel" });
        var gabapentin = Assert.Single(read.Medications, m => m.Drug == "gabapentin");
        Assert.Equal(("N03AX12", "anticonvulsant"), (gabapentin.AtcCode, gabapentin.DrugClass));
        Assert.Equal(new Adjustment(2, DoseChange.Increased, "minimal relief"), Assert.Single(gabapentin.Adjustments));
        Assert.Equal([5, 28, 56], read.Outcomes.Select(o => o.Day));
        Assert.Equal(new FinalOutcome(OutcomeStatus.Resolved, 56, 5), read.FinalOutcome);
    }

    [Fact]
    public async Task Inline_patient_is_matched_by_pseudonym_within_the_hospital()
    {
        var hospital = await Client.CreateHospitalAsync();

        var first = await Client.CreateCaseAsync(CaseDocuments.Document(hospital, pseudonym: "SAME"));
        var second = await Client.CreateCaseAsync(CaseDocuments.Document(hospital, pseudonym: "SAME", presentation: "2020-01"));

        Assert.Equal(first.PatientId, second.PatientId);
        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM patients WHERE hospital_id = @hospital", new { hospital }));
    }

    [Fact]
    public async Task Hospital_is_derived_from_an_existing_patient()
    {
        var hospital = await Client.CreateHospitalAsync();
        var existing = await Client.CreateCaseAsync(CaseDocuments.Document(hospital, pseudonym: "DERIVE"));

        var document = CaseDocuments.Document(hospital) with { Patient = null, HospitalId = null, PatientId = existing.PatientId };
        var created = await Client.CreateCaseAsync(document);

        Assert.Equal(hospital, created.HospitalId);
    }

    [Fact]
    public async Task Hospital_that_is_not_the_patients_is_rejected()
    {
        var hospital = await Client.CreateHospitalAsync();
        var other = await Client.CreateHospitalAsync("Other");
        var existing = await Client.CreateCaseAsync(CaseDocuments.Document(hospital, pseudonym: "MISMATCH"));
        var before = await CountCases();

        var document = CaseDocuments.Document(other) with { Patient = null, PatientId = existing.PatientId };
        var response = await Client.PostAsJson("/api/v1/cases", document);

        await response.ReadValidationProblem("hospitalId");
        Assert.Equal(before, await CountCases());
    }

    [Fact]
    public async Task Resent_case_with_the_same_source_id_is_a_conflict_pointing_at_the_original()
    {
        var hospital = await Client.CreateHospitalAsync();
        var original = await Client.CreateCaseAsync(CaseDocuments.Document(hospital, sourceCaseId: "RESENT-1"));

        var response = await Client.PostAsJson("/api/v1/cases", CaseDocuments.Document(hospital, sourceCaseId: "RESENT-1"));

        var problem = await response.ReadProblem(HttpStatusCode.Conflict);
        Assert.Equal(original.Id, problem.GetProperty("existingCaseId").GetGuid());
        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM cases WHERE source_case_id = 'RESENT-1'"));
    }

    [Fact]
    public async Task Concurrent_resends_of_one_case_store_it_once()
    {
        var hospital = await Client.CreateHospitalAsync();
        var document = CaseDocuments.Document(hospital, pseudonym: "RACE", sourceCaseId: "RACE-1");

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Client.PostAsJson("/api/v1/cases", document)));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Created), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM cases WHERE source_case_id = 'RACE-1'"));
    }

    [Fact]
    public async Task Invalid_nested_fields_are_each_named_by_json_path_and_nothing_is_stored()
    {
        var hospital = await Client.CreateHospitalAsync();
        var before = await CountCases();
        var document = CaseDocuments.Document(hospital, age: 130, presentation: "2019-13") with
        {
            Diagnosis = new DiagnosisRequest("", "G51.3", null, null, null),
            Medications = [new MedicationRequest("not-a-drug", null, Route.Oral, null, null, null, null, null, Setting.Inpatient, null, null, null)],
        };

        var response = await Client.PostAsJson("/api/v1/cases", document);

        await response.ReadValidationProblem("ageAtPresentation", "presentationDate", "diagnosis.name", "diagnosis.etiology", "medications[0].drug");
        Assert.Equal(before, await CountCases());
    }

    [Fact]
    public async Task Unknown_drug_error_says_where_to_find_valid_codes()
    {
        var hospital = await Client.CreateHospitalAsync();

        var response = await Client.PostAsJson("/api/v1/cases", CaseDocuments.Document(hospital, drugs: ["unobtainium"]));

        var errors = await response.ReadValidationProblem("medications[0].drug");
        Assert.Contains("/api/v1/vocabulary", errors.GetProperty("medications[0].drug")[0].GetString());
    }

    [Theory]
    [InlineData("2019-02-30")]
    [InlineData("19-04")]
    [InlineData("2999")]
    [InlineData("2019-4")]
    public async Task Impossible_or_future_presentation_dates_are_rejected(string date)
    {
        var hospital = await Client.CreateHospitalAsync();

        var response = await Client.PostAsJson("/api/v1/cases", CaseDocuments.Document(hospital, presentation: date) with { AdmissionDate = null });

        await response.ReadValidationProblem("presentationDate");
    }

    [Fact]
    public async Task Document_with_both_patient_id_and_inline_patient_is_rejected()
    {
        var hospital = await Client.CreateHospitalAsync();

        var response = await Client.PostAsJson("/api/v1/cases", CaseDocuments.Document(hospital) with { PatientId = Guid.NewGuid() });

        await response.ReadValidationProblem("patient");
    }

    [Fact]
    public async Task Unknown_patient_id_is_a_400_naming_the_field()
    {
        var hospital = await Client.CreateHospitalAsync();

        var response = await Client.PostAsJson("/api/v1/cases", CaseDocuments.Document(hospital) with { Patient = null, PatientId = Guid.NewGuid() });

        await response.ReadValidationProblem("patientId");
    }

    [Fact]
    public async Task Client_cannot_set_server_fields_such_as_version()
    {
        var hospital = await Client.CreateHospitalAsync();
        var json = JsonSerializer.SerializeToNode(CaseDocuments.Document(hospital), RegistryApp.Json)!.AsObject();
        json["version"] = 7;

        var response = await Client.PostJson("/api/v1/cases", json.ToJsonString());

        await response.ReadValidationProblem("version");
    }

    [Fact]
    public async Task Wrong_json_type_and_unknown_enum_value_name_their_fields()
    {
        var hospital = await Client.CreateHospitalAsync();
        var json = JsonSerializer.SerializeToNode(CaseDocuments.Document(hospital), RegistryApp.Json)!.AsObject();
        json["ageAtPresentation"] = "forty";

        await (await Client.PostJson("/api/v1/cases", json.ToJsonString())).ReadValidationProblem("ageAtPresentation");

        json["ageAtPresentation"] = 47;
        json["affectedSide"] = "middle";
        var errors = await (await Client.PostJson("/api/v1/cases", json.ToJsonString())).ReadValidationProblem("affectedSide");
        Assert.Contains("left, right, bilateral", errors.GetProperty("affectedSide")[0].GetString());
    }

    [Fact]
    public async Task Empty_body_is_a_400_problem()
    {
        var response = await Client.PostJson("/api/v1/cases", "");

        await response.ReadProblem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Put_replaces_fields_and_children_it_carries_and_keeps_the_rest()
    {
        var hospital = await Client.CreateHospitalAsync();
        var created = await Client.CreateCaseAsync(CaseDocuments.Document(hospital, pseudonym: "PUT", sourceCaseId: "PUT-1"));

        var correction = CaseDocuments.Document(hospital, pseudonym: "PUT", sourceCaseId: "PUT-1", age: 48,
            outcomes: [(10, OutcomeStatus.Unchanged)]) with { Diagnostics = null, Medications = null };
        var updated = await (await Client.PutCurrent($"/api/v1/cases/{created.Id}", correction)).ReadAs<CaseResponse>(HttpStatusCode.OK);

        Assert.Equal((48, 2), (updated.AgeAtPresentation, updated.Version));
        Assert.Equal(created.Diagnostics.Select(d => d.Id), updated.Diagnostics.Select(d => d.Id));
        Assert.Equal(created.Medications.Select(m => m.Id), updated.Medications.Select(m => m.Id));
        Assert.Equal(new FinalOutcome(OutcomeStatus.Unchanged, 10, null), updated.FinalOutcome);
        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM outcomes WHERE case_id = @id", new { id = created.Id }));
    }

    [Fact]
    public async Task Put_cannot_take_another_cases_source_id()
    {
        var hospital = await Client.CreateHospitalAsync();
        await Client.CreateCaseAsync(CaseDocuments.Document(hospital, pseudonym: "A", sourceCaseId: "TAKEN"));
        var other = await Client.CreateCaseAsync(CaseDocuments.Document(hospital, pseudonym: "B", sourceCaseId: "FREE"));

        var response = await Client.PutCurrent($"/api/v1/cases/{other.Id}", CaseDocuments.Document(hospital, pseudonym: "B", sourceCaseId: "TAKEN"));

        await response.ReadProblem(HttpStatusCode.Conflict);
        Assert.Equal("FREE", await app.QuerySingleAsync<string>("SELECT source_case_id FROM cases WHERE id = @id", new { id = other.Id }));
    }

    [Fact]
    public async Task Put_to_an_unknown_case_is_404()
    {
        var hospital = await Client.CreateHospitalAsync();

        var response = await Client.PutAsJson($"/api/v1/cases/{Guid.NewGuid()}", CaseDocuments.Document(hospital));

        await response.ReadProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Deleting_a_case_removes_its_children_and_keeps_the_patient()
    {
        var hospital = await Client.CreateHospitalAsync();
        var created = await Client.CreateCaseAsync(CaseDocuments.Document(hospital, pseudonym: "DEL"));

        var response = await Client.DeleteCurrent($"/api/v1/cases/{created.Id}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(0, await app.QuerySingleAsync<int>("""
            SELECT (SELECT count(*) FROM diagnostics WHERE case_id = @id) + (SELECT count(*) FROM medications WHERE case_id = @id)
                 + (SELECT count(*) FROM outcomes WHERE case_id = @id) + (SELECT count(*) FROM cases WHERE id = @id)
            """, new { id = created.Id }));
        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM patients WHERE id = @id", new { id = created.PatientId }));
        await (await Client.DeleteAsync($"/api/v1/cases/{created.Id}")).ReadProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Inline_patient_whose_sex_contradicts_the_record_is_rejected()
    {
        var hospital = await Client.CreateHospitalAsync();
        await Client.CreateCaseAsync(CaseDocuments.Document(hospital, pseudonym: "SEX", sex: Sex.Female));

        var response = await Client.PostAsJson("/api/v1/cases", CaseDocuments.Document(hospital, pseudonym: "SEX", sex: Sex.Male));

        await response.ReadValidationProblem("patient.sex");
    }

    private Task<long> CountCases() => app.QuerySingleAsync<long>("SELECT count(*) FROM cases");
}
