using Registry.Api.Hospitals;
using Registry.Api.Patients;

namespace Registry.Tests.Hospitals;

public sealed class HospitalApiTests(RegistryApp app) : ApiTests(app)
{
    [Fact]
    public async Task Created_hospital_can_be_read_back_with_its_location()
    {
        var response = await Client.PostAsJson("/api/v1/hospitals", new HospitalRequest("Test General", "Lyon", "France"));

        var created = await response.ReadAs<HospitalResponse>(HttpStatusCode.Created);
        Assert.Equal($"/api/v1/hospitals/{created.Id}", response.Headers.Location?.OriginalString);
        var read = await (await Client.GetAsync(response.Headers.Location)).ReadAs<HospitalResponse>(HttpStatusCode.OK);
        Assert.Equal(("Test General", "Lyon", "France", 1), (read.Name, read.City, read.Country, read.Version));
    }

    [Fact]
    public async Task Updating_a_hospital_bumps_its_version()
    {
        var created = await (await Client.PostAsJson("/api/v1/hospitals", new HospitalRequest("Old name", null, null)))
            .ReadAs<HospitalResponse>(HttpStatusCode.Created);

        var updated = await (await Client.PutCurrent($"/api/v1/hospitals/{created.Id}", new HospitalRequest("New name", "Oslo", "Norway")))
            .ReadAs<HospitalResponse>(HttpStatusCode.OK);

        Assert.Equal(("New name", 2), (updated.Name, updated.Version));
        Assert.Equal("New name", await app.QuerySingleAsync<string>("SELECT name FROM hospitals WHERE id = @id", new { id = created.Id }));
    }

    [Fact]
    public async Task Hospital_without_a_name_is_rejected_naming_the_field()
    {
        var response = await Client.PostJson("/api/v1/hospitals", """{"name":" ","city":"x"}""");

        await response.ReadValidationProblem("name");
    }

    [Fact]
    public async Task Text_with_a_nul_character_is_a_400_not_a_database_error()
    {
        var before = await app.QuerySingleAsync<long>("SELECT count(*) FROM hospitals");

        var response = await Client.PostJson("/api/v1/hospitals", """{"name":"Nul\u0000Hospital"}""");

        await response.ReadValidationProblem("name");
        Assert.Equal(before, await app.QuerySingleAsync<long>("SELECT count(*) FROM hospitals"));
    }

    [Fact]
    public async Task Client_cannot_set_the_id_of_a_new_hospital()
    {
        var before = await app.QuerySingleAsync<long>("SELECT count(*) FROM hospitals");

        var response = await Client.PostJson("/api/v1/hospitals", """{"id":"0b5e2c1e-0000-4000-8000-000000000001","name":"Sneaky"}""");

        await response.ReadValidationProblem("id");
        Assert.Equal(before, await app.QuerySingleAsync<long>("SELECT count(*) FROM hospitals"));
    }

    [Fact]
    public async Task Unknown_hospital_answers_404_problem()
    {
        var response = await Client.GetAsync($"/api/v1/hospitals/{Guid.NewGuid()}");

        await response.ReadProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Malformed_json_answers_400_problem()
    {
        var response = await Client.PostJson("/api/v1/hospitals", """{"name": "x",""");

        await response.ReadValidationProblem("$");
    }

    [Fact]
    public async Task Non_json_content_type_answers_415_problem()
    {
        var response = await Client.PostAsync("/api/v1/hospitals", new StringContent("name=x", System.Text.Encoding.UTF8, "text/plain"));

        await response.ReadProblem(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Deleting_a_hospital_that_has_patients_answers_409_and_keeps_it()
    {
        var hospital = await (await Client.PostAsJson("/api/v1/hospitals", new HospitalRequest("Busy General", null, null)))
            .ReadAs<HospitalResponse>(HttpStatusCode.Created);
        await (await Client.PostAsJson("/api/v1/patients", new PatientRequest(hospital.Id, "H-1", Sex.Male, null)))
            .ReadAs<PatientResponse>(HttpStatusCode.Created);

        var response = await Client.DeleteCurrent($"/api/v1/hospitals/{hospital.Id}");

        var problem = await response.ReadProblem(HttpStatusCode.Conflict);
        Assert.Contains("patients", problem.GetProperty("detail").GetString());
        Assert.Equal((1L, 1L), await app.QuerySingleAsync<(long, long)>(
            "SELECT (SELECT count(*) FROM hospitals WHERE id = @id), (SELECT count(*) FROM patients WHERE hospital_id = @id)",
            new { id = hospital.Id }));
    }

    [Fact]
    public async Task Deleting_a_hospital_without_patients_removes_it()
    {
        var hospital = await (await Client.PostAsJson("/api/v1/hospitals", new HospitalRequest("Empty General", null, null)))
            .ReadAs<HospitalResponse>(HttpStatusCode.Created);

        var response = await Client.DeleteCurrent($"/api/v1/hospitals/{hospital.Id}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(0, await app.QuerySingleAsync<long>("SELECT count(*) FROM hospitals WHERE id = @id", new { id = hospital.Id }));
        await (await Client.GetAsync($"/api/v1/hospitals/{hospital.Id}")).ReadProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Deleting_an_unknown_hospital_answers_404_problem()
    {
        var response = await Client.DeleteAsync($"/api/v1/hospitals/{Guid.NewGuid()}");

        await response.ReadProblem(HttpStatusCode.NotFound);
    }
}
