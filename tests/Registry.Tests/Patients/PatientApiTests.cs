using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Registry.Api.Hospitals;
using Registry.Api.Patients;

namespace Registry.Tests.Patients;

public sealed class PatientApiTests(RegistryApp app) : ApiTests(app)
{
    [Fact]
    public async Task Created_patient_can_be_read_back_with_its_location()
    {
        var hospital = await NewHospital();

        var response = await Client.PostAsJson("/api/v1/patients", new PatientRequest(hospital, "TT-0001", Sex.Female, 1968));

        var created = await response.ReadAs<PatientResponse>(HttpStatusCode.Created);
        Assert.Equal($"/api/v1/patients/{created.Id}", response.Headers.Location?.OriginalString);
        var read = await (await Client.GetAsync(response.Headers.Location)).ReadAs<PatientResponse>(HttpStatusCode.OK);
        Assert.Equal((hospital, "TT-0001", Sex.Female, 1968, 1), (read.HospitalId, read.Pseudonym, read.Sex, read.BirthYear, read.Version));
        Assert.Equal("female", await app.QuerySingleAsync<string>("SELECT sex FROM patients WHERE id = @id", new { id = created.Id }));
    }

    [Fact]
    public async Task Patient_of_an_unknown_hospital_is_rejected_naming_hospitalId_and_nothing_is_stored()
    {
        var response = await Client.PostAsJson("/api/v1/patients", new PatientRequest(Guid.NewGuid(), "ORPHAN-1", Sex.Male, null));

        await response.ReadValidationProblem("hospitalId");
        Assert.Equal(0, await app.QuerySingleAsync<long>("SELECT count(*) FROM patients WHERE pseudonym = 'ORPHAN-1'"));
    }

    [Fact]
    public async Task Patient_without_hospital_pseudonym_or_sex_is_rejected_naming_each_field()
    {
        var response = await Client.PostJson("/api/v1/patients", """{"pseudonym":"  "}""");

        await response.ReadValidationProblem("hospitalId", "pseudonym", "sex");
    }

    [Fact]
    public async Task Pseudonym_longer_than_100_characters_is_rejected()
    {
        var hospital = await NewHospital();

        var response = await Client.PostAsJson("/api/v1/patients", new PatientRequest(hospital, new string('p', 101), Sex.Male, null));

        await response.ReadValidationProblem("pseudonym");
        Assert.Equal(0, await PatientsOf(hospital));
    }

    [Fact]
    public async Task Patient_pseudonym_is_unique_within_a_hospital()
    {
        var hospital = await NewHospital();
        var first = await CreatePatient(hospital, "DUP-1");

        var response = await Client.PostAsJson("/api/v1/patients", new PatientRequest(hospital, "DUP-1", Sex.Male, 1970));

        var problem = await response.ReadProblem(HttpStatusCode.Conflict);
        Assert.Equal(first.Id, problem.GetProperty("existingPatientId").GetGuid());
        Assert.Contains(first.Id.ToString(), problem.GetProperty("detail").GetString());
        Assert.Equal(1, await PatientsOf(hospital));
        Assert.Equal("female", await app.QuerySingleAsync<string>("SELECT sex FROM patients WHERE id = @id", new { id = first.Id }));
    }

    [Fact]
    public async Task Same_pseudonym_may_be_used_by_another_hospital()
    {
        var (one, other) = (await NewHospital(), await NewHospital());
        await CreatePatient(one, "SHARED-7");

        var response = await Client.PostAsJson("/api/v1/patients", new PatientRequest(other, "SHARED-7", Sex.Male, null));

        var created = await response.ReadAs<PatientResponse>(HttpStatusCode.Created);
        Assert.Equal(other, created.HospitalId);
        Assert.Equal(2, await app.QuerySingleAsync<long>("SELECT count(*) FROM patients WHERE pseudonym = 'SHARED-7'"));
    }

    [Fact]
    public async Task Simultaneous_registrations_of_one_pseudonym_store_one_patient_and_answer_the_rest_409()
    {
        var hospital = await NewHospital();

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            Client.PostAsJson("/api/v1/patients", new PatientRequest(hospital, "RACE-1", Sex.Other, null))));

        var winner = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        var stored = await winner.ReadAs<PatientResponse>(HttpStatusCode.Created);
        foreach (var loser in responses.Where(r => r != winner))
            Assert.Equal(stored.Id, (await loser.ReadProblem(HttpStatusCode.Conflict)).GetProperty("existingPatientId").GetGuid());
        Assert.Equal(1, await PatientsOf(hospital));
    }

    [Fact]
    public async Task Birth_year_may_be_this_year_but_not_next_year()
    {
        var clock = new FixedClock(new DateTimeOffset(2031, 12, 31, 23, 0, 0, TimeSpan.Zero));
        using var frozen = app.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<TimeProvider>(clock)));
        using var client = frozen.CreateClient();
        var hospital = await NewHospital();

        var thisYear = await client.PostAsJson("/api/v1/patients", new PatientRequest(hospital, "BORN-2031", Sex.Male, 2031));
        var nextYear = await client.PostAsJson("/api/v1/patients", new PatientRequest(hospital, "BORN-2032", Sex.Male, 2032));

        await thisYear.ReadAs<PatientResponse>(HttpStatusCode.Created);
        var errors = await nextYear.ReadValidationProblem("birthYear");
        Assert.Contains("2031", errors.GetProperty("birthYear")[0].GetString());
        Assert.Equal(0, await app.QuerySingleAsync<long>("SELECT count(*) FROM patients WHERE pseudonym = 'BORN-2032'"));
    }

    [Fact]
    public async Task Birth_year_in_the_future_is_rejected()
    {
        var hospital = await NewHospital();

        var response = await Client.PostAsJson("/api/v1/patients",
            new PatientRequest(hospital, "FUTURE-1", Sex.Female, DateTime.UtcNow.Year + 2));

        await response.ReadValidationProblem("birthYear");
        Assert.Equal(0, await PatientsOf(hospital));
    }

    [Fact]
    public async Task Birth_year_before_1900_is_rejected()
    {
        var hospital = await NewHospital();

        var response = await Client.PostAsJson("/api/v1/patients", new PatientRequest(hospital, "OLD-1", Sex.Female, 1899));

        await response.ReadValidationProblem("birthYear");
        Assert.Equal(0, await PatientsOf(hospital));
    }

    [Fact]
    public async Task Unknown_sex_is_rejected_naming_sex_and_listing_the_allowed_values()
    {
        var hospital = await NewHospital();

        var response = await Client.PostJson("/api/v1/patients", $$"""{"hospitalId":"{{hospital}}","pseudonym":"X-1","sex":"F"}""");

        var errors = await response.ReadValidationProblem("sex");
        Assert.Contains("male, female, other, unknown", errors.GetProperty("sex")[0].GetString());
        Assert.Equal(0, await PatientsOf(hospital));
    }

    [Fact]
    public async Task Client_cannot_set_the_id_of_a_new_patient()
    {
        var hospital = await NewHospital();

        var response = await Client.PostJson("/api/v1/patients",
            $$"""{"id":"{{Guid.NewGuid()}}","hospitalId":"{{hospital}}","pseudonym":"X-2","sex":"male"}""");

        await response.ReadValidationProblem("id");
        Assert.Equal(0, await PatientsOf(hospital));
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("DELETE")]
    public async Task Reading_or_deleting_an_unknown_patient_answers_404_problem(string method)
    {
        var response = await Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"/api/v1/patients/{Guid.NewGuid()}"));

        await response.ReadProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Updating_a_patient_replaces_its_fields_and_bumps_its_version()
    {
        var hospital = await NewHospital();
        var patient = await CreatePatient(hospital, "UPD-1");

        var updated = await (await Client.PutCurrent($"/api/v1/patients/{patient.Id}", new PatientRequest(hospital, "UPD-1b", Sex.Unknown, 1950)))
            .ReadAs<PatientResponse>(HttpStatusCode.OK);

        Assert.Equal(("UPD-1b", Sex.Unknown, 1950, 2), (updated.Pseudonym, updated.Sex, updated.BirthYear, updated.Version));
        var stored = await app.QuerySingleAsync<(string, string, int, int)>(
            "SELECT pseudonym, sex, birth_year, version FROM patients WHERE id = @id", new { id = patient.Id });
        Assert.Equal(("UPD-1b", "unknown", 1950, 2), stored);
    }

    [Fact]
    public async Task Patient_may_keep_its_own_pseudonym_when_updated()
    {
        var hospital = await NewHospital();
        var patient = await CreatePatient(hospital, "KEEP-1");

        var response = await Client.PutCurrent($"/api/v1/patients/{patient.Id}", new PatientRequest(hospital, "KEEP-1", Sex.Male, 1980));

        var updated = await response.ReadAs<PatientResponse>(HttpStatusCode.OK);
        Assert.Equal((Sex.Male, 1980), (updated.Sex, updated.BirthYear));
    }

    [Fact]
    public async Task Updating_to_a_pseudonym_another_patient_holds_answers_409_and_changes_nothing()
    {
        var hospital = await NewHospital();
        var holder = await CreatePatient(hospital, "TAKEN-1");
        var patient = await CreatePatient(hospital, "FREE-1");

        var response = await Client.PutCurrent($"/api/v1/patients/{patient.Id}", new PatientRequest(hospital, "TAKEN-1", Sex.Male, null));

        var problem = await response.ReadProblem(HttpStatusCode.Conflict);
        Assert.Equal(holder.Id, problem.GetProperty("existingPatientId").GetGuid());
        Assert.Equal(("FREE-1", 1), await app.QuerySingleAsync<(string, int)>(
            "SELECT pseudonym, version FROM patients WHERE id = @id", new { id = patient.Id }));
    }

    [Fact]
    public async Task Updating_an_unknown_patient_answers_404_problem()
    {
        var hospital = await NewHospital();

        var response = await Client.PutAsJson($"/api/v1/patients/{Guid.NewGuid()}", new PatientRequest(hospital, "GHOST", Sex.Male, null));

        await response.ReadProblem(HttpStatusCode.NotFound);
        Assert.Equal(0, await PatientsOf(hospital));
    }

    [Fact]
    public async Task Moving_a_patient_to_an_unknown_hospital_is_rejected_naming_hospitalId()
    {
        var hospital = await NewHospital();
        var patient = await CreatePatient(hospital, "MOVE-0");

        var response = await Client.PutCurrent($"/api/v1/patients/{patient.Id}", new PatientRequest(Guid.NewGuid(), "MOVE-0", Sex.Female, null));

        await response.ReadValidationProblem("hospitalId");
        Assert.Equal(hospital, await HospitalOf(patient.Id));
    }

    [Fact]
    public async Task Patient_without_cases_can_move_to_another_hospital()
    {
        var (from, to) = (await NewHospital(), await NewHospital());
        var patient = await CreatePatient(from, "MOVE-1");

        var response = await Client.PutCurrent($"/api/v1/patients/{patient.Id}", new PatientRequest(to, "MOVE-1", Sex.Female, null));

        Assert.Equal(to, (await response.ReadAs<PatientResponse>(HttpStatusCode.OK)).HospitalId);
        Assert.Equal(to, await HospitalOf(patient.Id));
    }

    [Fact]
    public async Task Patient_with_cases_cannot_move_to_another_hospital()
    {
        var (from, to) = (await NewHospital(), await NewHospital());
        var patient = await CreatePatient(from, "MOVE-2");
        await InsertCase(patient.Id, from);

        var response = await Client.PutCurrent($"/api/v1/patients/{patient.Id}", new PatientRequest(to, "MOVE-2", Sex.Female, null));

        var problem = await response.ReadProblem(HttpStatusCode.Conflict);
        Assert.Contains("case", problem.GetProperty("detail").GetString());
        Assert.Equal(from, await HospitalOf(patient.Id));
        Assert.Equal(1, await app.QuerySingleAsync<long>("SELECT count(*) FROM cases WHERE patient_id = @id AND hospital_id = @from",
            new { id = patient.Id, from }));
    }

    [Fact]
    public async Task Deleting_a_patient_removes_their_cases_and_the_cases_children()
    {
        var hospital = await NewHospital();
        var patient = await CreatePatient(hospital, "DEL-1");
        var other = await CreatePatient(hospital, "DEL-2");
        var caseId = await InsertCase(patient.Id, hospital);
        var otherCase = await InsertCase(other.Id, hospital);

        var response = await Client.DeleteCurrent($"/api/v1/patients/{patient.Id}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await (await Client.GetAsync($"/api/v1/patients/{patient.Id}")).ReadProblem(HttpStatusCode.NotFound);
        var left = await app.QuerySingleAsync<(long, long, long, long)>("""
            SELECT (SELECT count(*) FROM cases WHERE patient_id = @id),
                   (SELECT count(*) FROM diagnostics WHERE case_id = @caseId),
                   (SELECT count(*) FROM medications WHERE case_id = @caseId),
                   (SELECT count(*) FROM outcomes WHERE case_id = @caseId)
            """, new { id = patient.Id, caseId });
        Assert.Equal((0L, 0L, 0L, 0L), left);
        var untouched = await app.QuerySingleAsync<(long, long, long, long)>("""
            SELECT (SELECT count(*) FROM patients WHERE id = @id),
                   (SELECT count(*) FROM diagnostics WHERE case_id = @caseId),
                   (SELECT count(*) FROM medications WHERE case_id = @caseId),
                   (SELECT count(*) FROM outcomes WHERE case_id = @caseId)
            """, new { id = other.Id, caseId = otherCase });
        Assert.Equal((1L, 1L, 1L, 1L), untouched);
    }

    [Fact]
    public async Task Patients_of_a_hospital_are_listed_by_pseudonym_in_pages_that_cover_each_once()
    {
        var (hospital, elsewhere) = (await NewHospital(), await NewHospital());
        foreach (var pseudonym in new[] { "P-05", "P-01", "P-04", "P-02", "P-03" }) await CreatePatient(hospital, pseudonym);
        await CreatePatient(elsewhere, "P-00");

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var url = $"/api/v1/patients?hospitalId={hospital}&limit=2" + (cursor is null ? "" : $"&cursor={cursor}");
            var page = await (await Client.GetAsync(url)).ReadAs<PatientPage>(HttpStatusCode.OK);
            Assert.All(page.Items, p => Assert.Equal(hospital, p.HospitalId));
            Assert.True(page.Items.Count <= 2);
            seen.AddRange(page.Items.Select(p => p.Pseudonym));
            cursor = page.NextCursor;
            pages++;
        } while (cursor is not null && pages < 10);

        Assert.Equal(["P-01", "P-02", "P-03", "P-04", "P-05"], seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task Paging_works_for_pseudonyms_of_any_script_and_maximum_length()
    {
        var hospital = await NewHospital();
        var (first, second) = (new string('\u6C49', 100), string.Concat(Enumerable.Repeat("\U0001F600", 50)));
        await CreatePatient(hospital, first);
        await CreatePatient(hospital, second);

        var page1 = await (await Client.GetAsync($"/api/v1/patients?hospitalId={hospital}&limit=1")).ReadAs<PatientPage>(HttpStatusCode.OK);
        var page2 = await (await Client.GetAsync($"/api/v1/patients?hospitalId={hospital}&limit=1&cursor={page1.NextCursor}"))
            .ReadAs<PatientPage>(HttpStatusCode.OK);

        Assert.Equal([first, second], page1.Items.Concat(page2.Items).Select(p => p.Pseudonym).Order(StringComparer.Ordinal));
        Assert.Null(page2.NextCursor);
    }

    [Fact]
    public async Task Patient_list_defaults_to_50_per_page()
    {
        var page = await (await Client.GetAsync("/api/v1/patients")).ReadAs<PatientPage>(HttpStatusCode.OK);

        Assert.Equal(50, page.Limit);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=201", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("cursor=not-a-cursor", "cursor")]
    [InlineData("hospitalId=123", "hospitalId")]
    public async Task Bad_list_query_is_rejected_naming_the_parameter(string query, string parameter)
    {
        var response = await Client.GetAsync($"/api/v1/patients?{query}");

        await response.ReadValidationProblem(parameter);
    }

    private async Task<Guid> NewHospital() =>
        (await (await Client.PostAsJson("/api/v1/hospitals", new HospitalRequest($"Hospital {Guid.NewGuid():N}", null, null)))
            .ReadAs<HospitalResponse>(HttpStatusCode.Created)).Id;

    private async Task<PatientResponse> CreatePatient(Guid hospital, string pseudonym) =>
        await (await Client.PostAsJson("/api/v1/patients", new PatientRequest(hospital, pseudonym, Sex.Female, 1970)))
            .ReadAs<PatientResponse>(HttpStatusCode.Created);

    private Task<long> PatientsOf(Guid hospital) =>
        app.QuerySingleAsync<long>("SELECT count(*) FROM patients WHERE hospital_id = @hospital", new { hospital });

    private Task<Guid> HospitalOf(Guid patient) =>
        app.QuerySingleAsync<Guid>("SELECT hospital_id FROM patients WHERE id = @patient", new { patient });

    /// <summary>A case with one diagnostic, medication and outcome, written straight to the tables.</summary>
    private async Task<Guid> InsertCase(Guid patient, Guid hospital)
    {
        var id = Guid.NewGuid();
        await app.ExecuteAsync("""
            INSERT INTO cases (id, hospital_id, patient_id, age_at_presentation, presentation_date, affected_side,
                               prior_facial_palsy, diagnosis_name, diagnosis_icd10, etiology)
            VALUES (@id, @hospital, @patient, 50, '2019-04', 'left', false, 'Hemifacial spasm', 'G51.3', 'idiopathic');
            INSERT INTO diagnostics (id, case_id, hospital_id, kind, result, ordinal) VALUES (gen_random_uuid(), @id, @hospital, 'emg', 'abnormal', 0);
            INSERT INTO medications (id, case_id, hospital_id, drug, route, setting, ordinal)
            VALUES (gen_random_uuid(), @id, @hospital, 'gabapentin', 'oral', 'inpatient', 0);
            INSERT INTO outcomes (id, case_id, hospital_id, day, method, status, ordinal)
            VALUES (gen_random_uuid(), @id, @hospital, 14, 'in-person', 'improved', 0);
            """, new { id, patient, hospital });
        return id;
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
