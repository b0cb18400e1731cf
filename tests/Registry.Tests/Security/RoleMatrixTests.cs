using Registry.Api.Cases;
using Registry.Api.Hospitals;
using Registry.Api.Keys;
using Registry.Api.Patients;
using Registry.Api.Security;
using Registry.Api.Vocabulary;
using Registry.Api.Data;

namespace Registry.Tests.Security;

/// <summary>
/// Every endpoint under every role: admin, the hospital that owns the target (Tiantan), another hospital
/// (Harbin), an analyst, and no key. Targets are created fresh per request by the admin, so each answer is
/// about the role alone. 404 for another hospital's rows means they are invisible, not merely forbidden.
/// </summary>
public sealed class RoleMatrixTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private static readonly Guid Tiantan = KeyBootstrap.TiantanHospital;
    private readonly HttpClient _admin = app.CreateClient();

    public enum Caller { Admin, OwnHospital, OtherHospital, Analyst, Anonymous }

    private static string? KeyOf(Caller caller) => caller switch
    {
        Caller.Admin => DevelopmentKeys.Admin,
        Caller.OwnHospital => DevelopmentKeys.TiantanHospital,
        Caller.OtherHospital => DevelopmentKeys.HarbinHospital,
        Caller.Analyst => DevelopmentKeys.Analyst,
        _ => null,
    };

    /// <summary>One row: a request to build (given fresh targets) and the status each caller must get.</summary>
    public sealed record Row(string Name, Func<Targets, HttpRequestMessage> Request, int Admin, int Own, int Other, int Analyst)
    {
        public int Expected(Caller caller) => caller switch
        {
            Caller.Admin => Admin, Caller.OwnHospital => Own, Caller.OtherHospital => Other, Caller.Analyst => Analyst, _ => 401,
        };

        public override string ToString() => Name;
    }

    public sealed record Targets(Guid CaseId, Guid PatientId, Guid DiagnosticId, Guid MedicationId, Guid OutcomeId, Guid HospitalId, Guid KeyId);

    /// <summary>A request; conditional ones carry If-Match for version 1, the version of every fresh target.</summary>
    private static HttpRequestMessage Send(HttpMethod method, string url, object? body = null, bool ifMatch = false)
    {
        var request = new HttpRequestMessage(method, url)
        {
            Content = body is null ? null : JsonContent.Create(body, body.GetType(), options: RegistryApp.Json),
        };
        if (ifMatch) request.Headers.Add("If-Match", "W/\"1\"");
        return request;
    }

    private static HttpRequestMessage BulkKickOff()
    {
        var request = Send(HttpMethod.Get, "/api/v1/fhir/$export?_type=Patient");
        request.Headers.Add("Prefer", "respond-async");
        return request;
    }

    private static CaseDocument NewCase() =>
        CaseDocuments.Document(Tiantan, pseudonym: $"M-{Guid.NewGuid():N}", sourceCaseId: $"M-{Guid.NewGuid():N}");

    public static readonly Row[] Rows =
    [
        new("GET /cases", t => Send(HttpMethod.Get, "/api/v1/cases"), 200, 200, 200, 200),
        new("GET /cases/{id}", t => Send(HttpMethod.Get, $"/api/v1/cases/{t.CaseId}"), 200, 200, 404, 200),
        new("POST /cases", t => Send(HttpMethod.Post, "/api/v1/cases", NewCase()), 201, 201, 403, 403),
        new("PUT /cases/{id}", t => Send(HttpMethod.Put, $"/api/v1/cases/{t.CaseId}", NewCase() with { Patient = null, PatientId = t.PatientId }, ifMatch: true), 200, 200, 403, 403),
        new("DELETE /cases/{id}", t => Send(HttpMethod.Delete, $"/api/v1/cases/{t.CaseId}", ifMatch: true), 204, 204, 404, 403),
        new("GET /cases/{id}/medications", t => Send(HttpMethod.Get, $"/api/v1/cases/{t.CaseId}/medications"), 200, 200, 404, 200),
        new("POST /cases/{id}/outcomes", t => Send(HttpMethod.Post, $"/api/v1/cases/{t.CaseId}/outcomes",
            new { day = 9, method = "phone", status = "improved" }), 201, 201, 404, 403),
        new("GET /diagnostics/{id}", t => Send(HttpMethod.Get, $"/api/v1/diagnostics/{t.DiagnosticId}"), 200, 200, 404, 200),
        new("PUT /medications/{id}", t => Send(HttpMethod.Put, $"/api/v1/medications/{t.MedicationId}",
            new { drug = "gabapentin", route = "oral", setting = "both" }, ifMatch: true), 200, 200, 404, 403),
        new("DELETE /outcomes/{id}", t => Send(HttpMethod.Delete, $"/api/v1/outcomes/{t.OutcomeId}", ifMatch: true), 204, 204, 404, 403),
        new("GET /patients", t => Send(HttpMethod.Get, "/api/v1/patients"), 200, 200, 200, 403),
        new("GET /patients/{id}", t => Send(HttpMethod.Get, $"/api/v1/patients/{t.PatientId}"), 200, 200, 404, 403),
        new("POST /patients", t => Send(HttpMethod.Post, "/api/v1/patients", new PatientRequest(Tiantan, $"N-{Guid.NewGuid():N}", Sex.Female, null)), 201, 201, 403, 403),
        new("PUT /patients/{id}", t => Send(HttpMethod.Put, $"/api/v1/patients/{t.PatientId}", new PatientRequest(Tiantan, $"R-{Guid.NewGuid():N}", Sex.Male, null), ifMatch: true), 200, 200, 404, 403),
        new("DELETE /patients/{id}", t => Send(HttpMethod.Delete, $"/api/v1/patients/{t.PatientId}", ifMatch: true), 204, 204, 404, 403),
        new("GET /hospitals", t => Send(HttpMethod.Get, "/api/v1/hospitals"), 200, 200, 200, 200),
        new("POST /hospitals", t => Send(HttpMethod.Post, "/api/v1/hospitals", new HospitalRequest("New", null, null)), 201, 403, 403, 403),
        new("PUT /hospitals/{id}", t => Send(HttpMethod.Put, $"/api/v1/hospitals/{t.HospitalId}", new HospitalRequest("Renamed", null, null), ifMatch: true), 200, 403, 403, 403),
        new("DELETE /hospitals/{id}", t => Send(HttpMethod.Delete, $"/api/v1/hospitals/{t.HospitalId}", ifMatch: true), 204, 403, 403, 403),
        new("GET /analytics/outcomes-by-drug", t => Send(HttpMethod.Get, "/api/v1/analytics/outcomes-by-drug"), 200, 200, 200, 200),
        new("GET /vocabulary", t => Send(HttpMethod.Get, "/api/v1/vocabulary"), 200, 200, 200, 200),
        new("POST /vocabulary/drugs", t => Send(HttpMethod.Post, "/api/v1/vocabulary/drugs",
            new DrugRequest($"drug-{Guid.NewGuid():N}"[..20], "Test drug", null, "test")), 201, 403, 403, 403),
        new("GET /keys", t => Send(HttpMethod.Get, "/api/v1/keys"), 200, 403, 403, 403),
        new("POST /keys", t => Send(HttpMethod.Post, "/api/v1/keys", new KeyRequest("Matrix", Role.Analyst, null)), 201, 403, 403, 403),
        new("DELETE /keys/{id}", t => Send(HttpMethod.Delete, $"/api/v1/keys/{t.KeyId}"), 204, 403, 403, 403),
        new("GET /audit", t => Send(HttpMethod.Get, "/api/v1/audit"), 200, 403, 403, 403),
        new("GET /cases/export", t => Send(HttpMethod.Get, "/api/v1/cases/export?format=ndjson"), 200, 200, 200, 200),
        new("POST /cases/bulk", t => new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases/bulk")
        {
            Content = new StringContent(System.Text.Json.JsonSerializer.Serialize(NewCase(), RegistryApp.Json) + "\n", System.Text.Encoding.UTF8, "application/x-ndjson"),
        }, 200, 200, 200, 403),
        new("GET /analytics/outcomes-by-combination", t => Send(HttpMethod.Get, "/api/v1/analytics/outcomes-by-combination"), 200, 200, 200, 200),
        new("GET /analytics/summary", t => Send(HttpMethod.Get, "/api/v1/analytics/summary"), 200, 200, 200, 200),
        new("GET /cases/{id}/fhir", t => Send(HttpMethod.Get, $"/api/v1/cases/{t.CaseId}/fhir"), 200, 200, 404, 200),
        new("GET /fhir/$export-bundles", t => Send(HttpMethod.Get, "/api/v1/fhir/$export-bundles"), 200, 200, 200, 200),
        new("GET /fhir/$export (Bulk Data kick-off)", t => BulkKickOff(), 202, 202, 202, 202),
    ];

    public static TheoryData<Row, Caller> Matrix()
    {
        var data = new TheoryData<Row, Caller>();
        foreach (var row in Rows)
            foreach (var caller in Enum.GetValues<Caller>())
                data.Add(row, caller);
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Each_role_gets_exactly_what_it_is_allowed(Row row, Caller caller)
    {
        var targets = await FreshTargetsAsync();

        var response = await app.ClientWithKey(KeyOf(caller)).SendAsync(row.Request(targets));

        var expected = row.Expected(caller);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expected, $"{row.Name} as {caller}: expected {expected}, got {(int)response.StatusCode}: {body}");
        // Errors are problem details, except on the FHIR routes, where every error is an OperationOutcome.
        if (expected >= 400)
            Assert.Equal(row.Name.Contains("fhir") ? "application/fhir+json" : "application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Another_hospitals_cases_never_appear_in_its_lists_or_analytics()
    {
        var targets = await FreshTargetsAsync();
        var harbin = app.ClientWithKey(DevelopmentKeys.HarbinHospital);

        var page = await (await harbin.GetAsync("/api/v1/cases?limit=200")).ReadAs<CasePage>(HttpStatusCode.OK);
        var patients = await (await harbin.GetAsync("/api/v1/patients?limit=200")).ReadAs<PatientPage>(HttpStatusCode.OK);
        var asksForTiantan = await (await harbin.GetAsync($"/api/v1/cases?hospitalId={Tiantan}")).ReadAs<CasePage>(HttpStatusCode.OK);

        Assert.NotEmpty(page.Items);
        Assert.All(page.Items, c => Assert.Equal(KeyBootstrap.HarbinHospital, c.HospitalId));
        Assert.DoesNotContain(page.Items, c => c.Id == targets.CaseId);
        Assert.All(patients.Items, p => Assert.Equal(KeyBootstrap.HarbinHospital, p.HospitalId));
        Assert.Empty(asksForTiantan.Items);
    }

    [Fact]
    public async Task Analysts_read_cases_without_source_ids()
    {
        var targets = await FreshTargetsAsync();
        var analyst = app.ClientWithKey(DevelopmentKeys.Analyst);

        var whole = await (await analyst.GetAsync($"/api/v1/cases/{targets.CaseId}")).ReadAs<CaseResponse>(HttpStatusCode.OK);
        var page = await (await analyst.GetAsync("/api/v1/cases?limit=200")).ReadAs<CasePage>(HttpStatusCode.OK);

        Assert.Null(whole.SourceCaseId);
        Assert.All(page.Items, c => Assert.Null(c.SourceCaseId));
        Assert.DoesNotContain("pseudonym", await (await analyst.GetAsync($"/api/v1/cases/{targets.CaseId}")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_hospital_key_writes_to_its_own_hospital_without_naming_it()
    {
        var tiantan = app.ClientWithKey(DevelopmentKeys.TiantanHospital);

        var created = await (await tiantan.PostAsJson("/api/v1/cases", NewCase() with { HospitalId = null }))
            .ReadAs<CaseResponse>(HttpStatusCode.Created);
        var naming = await tiantan.PostAsJson("/api/v1/cases", NewCase() with { HospitalId = KeyBootstrap.HarbinHospital });

        Assert.Equal(Tiantan, created.HospitalId);
        await naming.ReadProblem(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Only_an_admin_must_name_the_hospital_of_an_inline_patient_whoever_asked_before()
    {
        var tiantan = app.ClientWithKey(DevelopmentKeys.TiantanHospital);
        var unnamed = NewCase() with { HospitalId = null };

        // One validator instance serves every request: each answer must follow its own request's caller.
        await (await _admin.PostAsJson("/api/v1/cases", unnamed)).ReadValidationProblem("hospitalId");
        await (await tiantan.PostAsJson("/api/v1/cases", unnamed with { Patient = unnamed.Patient! with { Pseudonym = "UNNAMED-1" } }))
            .ReadAs<CaseResponse>(HttpStatusCode.Created);
        await (await _admin.PostAsJson("/api/v1/cases", unnamed)).ReadValidationProblem("hospitalId");
        await (await tiantan.PostAsJson("/api/v1/patients", new PatientRequest(null, "UNNAMED-2", Sex.Female, null)))
            .ReadAs<PatientResponse>(HttpStatusCode.Created);
        await (await _admin.PostAsJson("/api/v1/patients", new PatientRequest(null, "UNNAMED-3", Sex.Female, null))).ReadValidationProblem("hospitalId");
    }

    /// <summary>A new hospital, key, and a Tiantan case with one child of each kind, all created by the admin.</summary>
    private async Task<Targets> FreshTargetsAsync()
    {
        var @case = await _admin.CreateCaseAsync(NewCase());
        var hospital = await _admin.CreateHospitalAsync($"Matrix {Guid.NewGuid():N}");
        var key = await (await _admin.PostAsJson("/api/v1/keys", new KeyRequest("Matrix target", Role.Analyst, null)))
            .ReadAs<CreatedKeyResponse>(HttpStatusCode.Created);
        return new Targets(@case.Id, @case.PatientId, @case.Diagnostics[0].Id, @case.Medications[0].Id, @case.Outcomes[0].Id, hospital, key.Details.Id);
    }
}
