using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Registry.Api.Cases;
using Registry.Api.Data;
using Registry.Api.Diagnostics;
using Registry.Api.Medications;
using Registry.Api.Outcomes;
using Registry.Api.Security;

namespace Registry.Tests.Cases;

/// <summary>GET /cases/{id} and the whole case POST and PUT answer with: one batch that reads the case and audits the read.</summary>
public sealed class CaseReadTests(RegistryApp app) : ApiTests(app)
{
    /// <summary>Every optional field filled in, so each column the reader maps carries a value.</summary>
    private static CaseDocument FullDocument(Guid hospital) => CaseDocuments.Document(hospital, pseudonym: $"FULL-{Guid.NewGuid():N}", sourceCaseId: $"FULL-{Guid.NewGuid():N}") with
    {
        SymptomDurationDays = 400, PresentDuringSleep = true, Notes = "Case notes.",
        History = new HistoryRequest(true, 18, "Prior palsy."),
        Diagnosis = new DiagnosisRequest("Hemifacial spasm", "G51.3", "13753008", Etiology.NeurovascularCompression, "Vertebral artery loop."),
        Diagnostics =
        [
            new DiagnosticRequest(DiagnosticKind.MriBrain, 3, DiagnosticResult.Abnormal, ["loop at root exit zone", "no mass"], "MRI summary.", null),
            new DiagnosticRequest(DiagnosticKind.VitalSigns, null, DiagnosticResult.Normal, [], null,
                [new MeasurementRequest("body-temperature", 36.60m, "Cel"), new MeasurementRequest("systolic-blood-pressure", 128, "mm[Hg]")]),
        ],
        Medications =
        [
            new MedicationRequest("carbamazepine", "Tegretol", Route.Oral, "tablet", new DoseRequest(100.5m, "mg"), "twice daily", 0, 30,
                Setting.Outpatient, "spasm", [new AdjustmentRequest(7, DoseChange.Increased, null), new AdjustmentRequest(14, DoseChange.Decreased, "drowsy")],
                Ending.Stopped),
            new MedicationRequest("thiamine", null, Route.Intramuscular, null, null, null, null, null, Setting.Inpatient, null, [], null),
        ],
        Outcomes =
        [
            new OutcomeRequest(30, AssessmentMethod.InPerson, OutcomeStatus.Improved, new SeverityRequest(SeverityScale.Hfs7, 12), true,
                ["mild synkinesis"], "Better."),
            new OutcomeRequest(30, AssessmentMethod.Phone, OutcomeStatus.Unchanged, null, null, [], null),
        ],
    };

    [Fact]
    public async Task A_whole_case_reads_exactly_as_the_entities_ef_loads_would_serialise()
    {
        var full = await Client.CreateCaseAsync(FullDocument(KeyBootstrap.TiantanHospital));
        var bare = await app.InsertCaseAsync();

        foreach (var id in new[] { full.Id, bare.CaseId })
        {
            var body = await (await Client.GetAsync($"/api/v1/cases/{id}")).Content.ReadAsStringAsync();

            Assert.Equal(await SerialisedFromEf(id), body);
        }
    }

    [Fact]
    public async Task Reading_a_whole_case_writes_exactly_one_audit_row_with_the_version_read()
    {
        var tiantan = app.ClientWithKey(DevelopmentKeys.TiantanHospital);
        var document = FullDocument(KeyBootstrap.TiantanHospital);
        var created = await tiantan.CreateCaseAsync(document);
        await (await tiantan.PutCurrent($"/api/v1/cases/{created.Id}", document with { AgeAtPresentation = 50 })).ReadAs<CaseResponse>(HttpStatusCode.OK);
        var readsBefore = await Reads(created.Id);

        var read = await tiantan.GetAsync($"/api/v1/cases/{created.Id}");

        Assert.Equal(2, (await read.ReadAs<CaseResponse>(HttpStatusCode.OK)).Version);
        Assert.Equal("W/\"2\"", read.Headers.ETag?.ToString());
        var row = await app.QuerySingleAsync<AuditRow>("""
            SELECT request_id AS RequestId, api_key_id AS ApiKeyId, role AS Role, hospital_id AS HospitalId,
                   version_before AS VersionBefore, version_after AS VersionAfter
            FROM audit_log WHERE action = 'read' AND resource = 'case' AND resource_id = @id ORDER BY id DESC LIMIT 1
            """, new { id = created.Id.ToString() });
        Assert.Equal(readsBefore + 1, await Reads(created.Id));
        var keyId = await app.QuerySingleAsync<Guid>("SELECT id FROM api_keys WHERE prefix = 'devtiantan'");
        Assert.Equal(new AuditRow(Assert.Single(read.Headers.GetValues("X-Request-Id")), keyId, "hospital", KeyBootstrap.TiantanHospital, 2, 2), row);
    }

    [Fact]
    public async Task A_hospital_key_reading_another_hospitals_case_gets_404_and_leaves_no_audit_row()
    {
        var created = await Client.CreateCaseAsync(FullDocument(KeyBootstrap.TiantanHospital));
        var harbin = app.ClientWithKey(DevelopmentKeys.HarbinHospital);

        await (await harbin.GetAsync($"/api/v1/cases/{created.Id}")).ReadProblem(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NotFound, (await harbin.GetAsync($"/api/v1/cases/{created.Id}/fhir")).StatusCode);

        Assert.Equal(0, await Reads(created.Id));
    }

    [Fact]
    public async Task An_unknown_case_is_a_404_and_leaves_no_audit_row()
    {
        var id = Guid.NewGuid();

        await (await Client.GetAsync($"/api/v1/cases/{id}")).ReadProblem(HttpStatusCode.NotFound);

        Assert.Equal(0, await Reads(id));
    }

    [Fact]
    public async Task The_fhir_bundle_of_a_case_is_audited_as_one_read()
    {
        var created = await Client.CreateCaseAsync(FullDocument(KeyBootstrap.TiantanHospital));

        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync($"/api/v1/cases/{created.Id}/fhir")).StatusCode);

        Assert.Equal(1, await Reads(created.Id));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_responses_to_post_and_put_equal_a_following_get(bool idempotent)
    {
        var tiantan = app.ClientWithKey(DevelopmentKeys.TiantanHospital);
        var document = FullDocument(KeyBootstrap.TiantanHospital);
        var post = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases") { Content = System.Net.Http.Json.JsonContent.Create(document, options: RegistryApp.Json) };
        if (idempotent) post.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());

        var created = await tiantan.SendAsync(post);
        var id = (await created.ReadAs<CaseResponse>(HttpStatusCode.Created)).Id;
        var afterPost = await tiantan.GetAsync($"/api/v1/cases/{id}");
        Assert.Equal(await afterPost.Content.ReadAsStringAsync(), await created.Content.ReadAsStringAsync());
        Assert.Equal(afterPost.Headers.ETag, created.Headers.ETag);

        var replaced = await tiantan.PutCurrent($"/api/v1/cases/{id}", document with { Notes = "Corrected.", Outcomes = [] });
        var afterPut = await tiantan.GetAsync($"/api/v1/cases/{id}");
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.Equal(await afterPut.Content.ReadAsStringAsync(), await replaced.Content.ReadAsStringAsync());
        Assert.Equal(afterPut.Headers.ETag, replaced.Headers.ETag);
    }

    private Task<int> Reads(Guid caseId) => app.QuerySingleAsync<int>(
        "SELECT count(*)::int FROM audit_log WHERE action = 'read' AND resource = 'case' AND resource_id = @id", new { id = caseId.ToString() });

    /// <summary>The case loaded with EF Core (Include of every child) and serialised as the API serialises responses.</summary>
    private async Task<string> SerialisedFromEf(Guid id)
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<RegistryDb>>().CreateDbContextAsync();
        var entity = await db.Cases.AsNoTracking().AsSplitQuery()
            .Include(c => c.Diagnostics).Include(c => c.Medications).Include(c => c.Outcomes)
            .SingleAsync(c => c.Id == id);
        var drugs = await db.Drugs.AsNoTracking().ToDictionaryAsync(d => d.Code);
        var json = app.Services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        return JsonSerializer.Serialize(entity.ToResponse(drugs), json);
    }

    private sealed record AuditRow(string RequestId, Guid ApiKeyId, string Role, Guid HospitalId, int VersionBefore, int VersionAfter);
}
