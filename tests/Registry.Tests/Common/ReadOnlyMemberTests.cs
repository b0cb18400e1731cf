using System.Text.Json.Nodes;
using Registry.Api.Cases;

namespace Registry.Tests.Common;

/// <summary>
/// A client can send back what it read: GET a resource, change one field, PUT the same JSON with If-Match.
/// The read-only members (id, caseId, version, createdAt, updatedAt, derived fields) are taken and ignored,
/// unless they contradict the request.
/// </summary>
public sealed class ReadOnlyMemberTests(RegistryApp app) : ApiTests(app)
{
    public static TheoryData<string> Resources() => new("hospitals", "patients", "cases", "diagnostics", "medications", "outcomes");

    /// <summary>For each resource: the field a test changes, the value it sets, and the stored column it lands in.</summary>
    private static (string Field, JsonNode Value, string Sql) Edit(string resource) => resource switch
    {
        "hospitals" => ("city", "Tianjin", "SELECT city FROM hospitals WHERE id = @id"),
        "patients" => ("birthYear", 1970, "SELECT birth_year::text FROM patients WHERE id = @id"),
        "cases" => ("notes", "Corrected after review.", "SELECT notes FROM cases WHERE id = @id"),
        "diagnostics" => ("summary", "Corrected after review.", "SELECT summary FROM diagnostics WHERE id = @id"),
        "medications" => ("frequency", "twice daily", "SELECT frequency FROM medications WHERE id = @id"),
        "outcomes" => ("notes", "Corrected after review.", "SELECT notes FROM outcomes WHERE id = @id"),
        _ => throw new ArgumentOutOfRangeException(nameof(resource)),
    };

    /// <summary>A fresh whole case; the id of the resource of this kind that belongs to it.</summary>
    private async Task<(Guid Id, CaseResponse Case)> Fresh(string resource)
    {
        var hospital = await Client.CreateHospitalAsync($"Readback {Guid.NewGuid():N}");
        var created = await Client.CreateCaseAsync(CaseDocuments.Document(hospital, pseudonym: $"R-{Guid.NewGuid():N}"));
        var id = resource switch
        {
            "hospitals" => created.HospitalId,
            "patients" => created.PatientId,
            "cases" => created.Id,
            "diagnostics" => created.Diagnostics[0].Id,
            "medications" => created.Medications[0].Id,
            _ => created.Outcomes[0].Id,
        };
        return (id, created);
    }

    private async Task<(JsonObject Body, string ETag)> Read(string url)
    {
        var response = await Client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url}: {(int)response.StatusCode} {text}");
        return (JsonNode.Parse(text)!.AsObject(), response.Headers.ETag!.ToString());
    }

    private Task<HttpResponseMessage> Put(string url, JsonNode body, string etag) => Client.SendAsync(new HttpRequestMessage(HttpMethod.Put, url)
    {
        Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), Headers = { { "If-Match", etag } },
    });

    private Task<string?> Stored(string resource, Guid id) => app.QuerySingleAsync<string?>(Edit(resource).Sql, new { id });

    /// <summary>A fresh resource read with GET and its field edited, as a client about to PUT it back; with the stored value before.</summary>
    private async Task<(Guid Id, string Url, JsonObject Body, string ETag, string? Before)> ReadAndEdit(string resource)
    {
        var (id, _) = await Fresh(resource);
        var url = $"/api/v1/{resource}/{id}";
        var (body, etag) = await Read(url);
        var (field, value, _) = Edit(resource);
        body[field] = value.DeepClone();
        return (id, url, body, etag, await Stored(resource, id));
    }

    [Theory, MemberData(nameof(Resources))]
    public async Task A_resource_read_with_get_can_be_put_back_with_one_field_changed(string resource)
    {
        var (id, url, body, etag, _) = await ReadAndEdit(resource);

        var response = await Put(url, body, etag);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"PUT {url}: {(int)response.StatusCode} {text}");
        var answered = JsonNode.Parse(text)!;
        Assert.Equal(body["version"]!.GetValue<int>() + 1, answered["version"]!.GetValue<int>());
        Assert.Equal(body["createdAt"]!.GetValue<string>(), answered["createdAt"]!.GetValue<string>());
        Assert.Equal(Edit(resource).Value.ToString(), await Stored(resource, id));
    }

    [Fact]
    public async Task A_whole_case_read_with_get_can_be_put_back_children_and_derived_fields_included()
    {
        var (id, created) = await Fresh("cases");
        var url = $"/api/v1/cases/{id}";
        var (body, etag) = await Read(url);
        Assert.NotNull(body["finalOutcome"]);
        Assert.NotNull(body["medications"]![0]!["atcCode"]);
        body["medications"]![0]!["frequency"] = "twice daily";
        body["outcomes"]![0]!["notes"] = "Phone call, day five.";

        var response = await Put(url, body, etag);

        var stored = await response.ReadAs<CaseResponse>(HttpStatusCode.OK);
        Assert.Equal(created.Version + 1, stored.Version);
        Assert.Equal(created.FinalOutcome, stored.FinalOutcome);
        Assert.Equal((2, 2, 3), (stored.Diagnostics.Count, stored.Medications.Count, stored.Outcomes.Count));
        Assert.Equal(1, await app.QuerySingleAsync<int>(
            "SELECT count(*)::int FROM medications WHERE case_id = @id AND frequency = 'twice daily'", new { id }));
        Assert.Equal(1, await app.QuerySingleAsync<int>(
            "SELECT count(*)::int FROM outcomes WHERE case_id = @id AND notes = 'Phone call, day five.'", new { id }));
    }

    [Theory, MemberData(nameof(Resources))]
    public async Task A_version_in_the_body_other_than_the_one_if_match_names_is_a_412_and_changes_nothing(string resource)
    {
        var (id, url, body, etag, before) = await ReadAndEdit(resource);
        body["version"] = body["version"]!.GetValue<int>() + 7;

        var response = await Put(url, body, etag);

        var problem = await response.ReadProblem(HttpStatusCode.PreconditionFailed);
        Assert.Contains("version", problem.GetProperty("detail").GetString());
        Assert.Equal(before, await Stored(resource, id));
        Assert.Equal(etag, await Client.CurrentETag(url));
    }

    [Theory, MemberData(nameof(Resources))]
    public async Task An_id_in_the_body_other_than_the_routes_is_a_400_naming_id_and_changes_nothing(string resource)
    {
        var (id, url, body, etag, before) = await ReadAndEdit(resource);
        body["id"] = Guid.NewGuid();

        var response = await Put(url, body, etag);

        await response.ReadValidationProblem("id");
        Assert.Equal(before, await Stored(resource, id));
        Assert.Equal(etag, await Client.CurrentETag(url));
    }

    [Theory]
    [InlineData("diagnostics")]
    [InlineData("medications")]
    [InlineData("outcomes")]
    public async Task A_case_child_sent_back_naming_another_case_is_a_400_naming_caseId_and_stays_with_its_case(string resource)
    {
        var (id, created) = await Fresh(resource);
        var (_, other) = await Fresh("cases");
        var url = $"/api/v1/{resource}/{id}";
        var (body, etag) = await Read(url);
        body["caseId"] = other.Id;

        var response = await Put(url, body, etag);

        await response.ReadValidationProblem("caseId");
        Assert.Equal(created.Id, await app.QuerySingleAsync<Guid>($"SELECT case_id FROM {resource} WHERE id = @id", new { id }));
    }

    [Fact]
    public async Task A_create_refuses_read_only_members_naming_each_because_the_registry_sets_them()
    {
        var (_, created) = await Fresh("cases");
        var (body, _) = await Read($"/api/v1/outcomes/{created.Outcomes[0].Id}");

        var response = await Client.PostJson($"/api/v1/cases/{created.Id}/outcomes", body.ToJsonString());

        await response.ReadValidationProblem("id", "caseId", "version", "createdAt", "updatedAt");
        Assert.Equal(3, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM outcomes WHERE case_id = @id", new { id = created.Id }));
    }

    [Fact]
    public async Task A_whole_case_created_from_what_a_get_answered_is_refused_naming_nested_read_only_members()
    {
        var (id, _) = await Fresh("cases");
        var (body, _) = await Read($"/api/v1/cases/{id}");
        body["sourceCaseId"] = $"COPY-{Guid.NewGuid():N}";
        var before = await app.QuerySingleAsync<long>("SELECT count(*) FROM cases");

        var response = await Client.PostJson("/api/v1/cases", body.ToJsonString());

        await response.ReadValidationProblem("id", "version", "finalOutcome", "outcomes[0].id", "medications[1].atcCode", "diagnostics[0].caseId");
        Assert.Equal(before, await app.QuerySingleAsync<long>("SELECT count(*) FROM cases"));
    }

    [Fact]
    public async Task A_member_no_representation_has_is_still_refused_by_name()
    {
        var (id, _) = await Fresh("hospitals");
        var url = $"/api/v1/hospitals/{id}";
        var (body, etag) = await Read(url);
        body["etag"] = etag;

        await (await Put(url, body, etag)).ReadValidationProblem("etag");
    }
}
