using System.Text.Json.Nodes;
using Registry.Api.Cases;
using Registry.Api.Diagnostics;
using Registry.Api.Drugs;
using Registry.Api.Medications;
using Registry.Api.Outcomes;
using Registry.Api.Security;
using Registry.Api.Seeding;
using Registry.Tests.Fhir;

namespace Registry.Tests.Cases;

/// <summary>A case's children come back in the order they were sent, on every read path; decimals come back as sent.</summary>
public sealed class ChildOrderTests(RegistryApp app) : ApiTests(app)
{
    private static readonly Guid Harbin = Guid.Parse(FhirExportTests.Harbin);
    private static readonly string[] Sent = ["first", "second", "third", "fourth", "fifth", "sixth"];

    /// <summary>Six diagnostics of day 0, told apart by their summaries.</summary>
    private static CaseDocument SixSameDayDiagnostics() =>
        CaseDocuments.Document(KeyBootstrap.TiantanHospital, pseudonym: $"ORDER-{Guid.NewGuid():N}") with
        {
            Diagnostics =
            [
                .. new[] { DiagnosticKind.CtHead, DiagnosticKind.VitalSigns, DiagnosticKind.NeurologicalExam, DiagnosticKind.MriBrain, DiagnosticKind.Emg, DiagnosticKind.Eeg }
                    .Zip(Sent, (kind, summary) => new DiagnosticRequest(kind, 0, DiagnosticResult.Normal, [], summary, null)),
            ],
        };

    private async Task<T> Get<T>(string url) => await (await Client.GetAsync(url)).ReadAs<T>(HttpStatusCode.OK);

    private async Task<JsonElement> Fhir(Guid caseId) =>
        await (await Client.GetAsync($"/api/v1/cases/{caseId}/fhir")).ReadFhir(HttpStatusCode.OK);

    private static IEnumerable<JsonElement> Resources(JsonElement bundle, string type) =>
        bundle.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource"))
            .Where(r => r.GetProperty("resourceType").GetString() == type);

    private Task<List<T>> Stored<T>(string sql, Guid caseId) => app.QueryAsync<T>(sql, new { caseId });

    [Fact]
    public async Task Six_same_day_diagnostics_come_back_in_the_order_sent_on_every_read_path_every_time()
    {
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var created = await Client.CreateCaseAsync(SixSameDayDiagnostics());

            Assert.Equal(Sent, created.Diagnostics.Select(d => d.Summary));
            Assert.Equal(Sent, (await Get<CaseResponse>($"/api/v1/cases/{created.Id}")).Diagnostics.Select(d => d.Summary));
            Assert.Equal(Sent, (await Get<List<DiagnosticResponse>>($"/api/v1/cases/{created.Id}/diagnostics")).Select(d => d.Summary));
            Assert.Equal(Sent, Resources(await Fhir(created.Id), "DiagnosticReport").Select(r => r.GetProperty("conclusion").GetString()));
            Assert.Equal(Sent, await Stored<string>("SELECT summary FROM diagnostics WHERE case_id = @caseId ORDER BY ordinal", created.Id));
        }
    }

    [Fact]
    public async Task Same_day_medications_and_outcomes_come_back_in_the_order_sent_and_the_last_sent_is_the_final_outcome()
    {
        string[] drugs = ["thiamine", "gabapentin", "carbamazepine"];
        (int, OutcomeStatus)[] outcomes = [(5, OutcomeStatus.Improved), (5, OutcomeStatus.Worsened), (5, OutcomeStatus.Unchanged), (5, OutcomeStatus.MarkedImprovement)];
        var statuses = outcomes.Select(o => o.Item2).ToList();
        var document = CaseDocuments.Document(KeyBootstrap.TiantanHospital, pseudonym: $"ORDER-{Guid.NewGuid():N}", drugs: drugs, outcomes: outcomes);

        var created = await Client.CreateCaseAsync(document);

        Assert.Equal(drugs, created.Medications.Select(m => m.Drug));
        Assert.Equal(statuses, created.Outcomes.Select(o => o.Status));
        var read = await Get<CaseResponse>($"/api/v1/cases/{created.Id}");
        Assert.Equal(drugs, read.Medications.Select(m => m.Drug));
        Assert.Equal(statuses, read.Outcomes.Select(o => o.Status));
        Assert.Equal(drugs, (await Get<List<MedicationResponse>>($"/api/v1/cases/{created.Id}/medications")).Select(m => m.Drug));
        Assert.Equal(statuses, (await Get<List<OutcomeResponse>>($"/api/v1/cases/{created.Id}/outcomes")).Select(o => o.Status));
        Assert.Equal(OutcomeStatus.MarkedImprovement, read.FinalOutcome!.Status);
        Assert.Equal(["marked-improvement"], await Stored<string>("SELECT final_outcome_status FROM cases WHERE id = @caseId", created.Id));
    }

    [Fact]
    public async Task A_diagnostic_added_later_goes_after_the_existing_ones_of_its_day()
    {
        var document = SixSameDayDiagnostics();
        var created = await Client.CreateCaseAsync(document with
        {
            Diagnostics = [.. document.Diagnostics!, new DiagnosticRequest(DiagnosticKind.Lab, 3, DiagnosticResult.Normal, [], "day three", null)],
        });

        var added = await (await Client.PostAsJson($"/api/v1/cases/{created.Id}/diagnostics",
            new DiagnosticRequest(DiagnosticKind.Other, 0, DiagnosticResult.Normal, [], "added", null))).ReadAs<DiagnosticResponse>(HttpStatusCode.Created);
        var replaced = await (await Client.PutCurrent($"/api/v1/diagnostics/{added.Id}",
            new DiagnosticRequest(DiagnosticKind.Other, 0, DiagnosticResult.Abnormal, [], "added", null))).ReadAs<DiagnosticResponse>(HttpStatusCode.OK);

        string[] expected = [.. Sent, "added", "day three"];
        Assert.Equal(expected, (await Get<List<DiagnosticResponse>>($"/api/v1/cases/{created.Id}/diagnostics")).Select(d => d.Summary));
        Assert.Equal(expected, (await Get<CaseResponse>($"/api/v1/cases/{created.Id}")).Diagnostics.Select(d => d.Summary));
        Assert.Equal(DiagnosticResult.Abnormal, replaced.Result);
        Assert.Equal([7], await Stored<int>("SELECT ordinal FROM diagnostics WHERE case_id = @caseId AND summary = 'added'", created.Id));
    }

    [Fact]
    public async Task Harbin_seed_children_come_back_in_the_seed_files_order()
    {
        var seed = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(SeedLoader.SeedDirectory, "002-harbin-2022-carbamazepine.json")))!["case"]!;

        var read = await Get<CaseResponse>($"/api/v1/cases/{Harbin}");

        Assert.Equal(seed["diagnostics"]!.AsArray().Select(d => (string?)d!["summary"]), read.Diagnostics.Select(d => d.Summary));
        Assert.Equal(seed["medications"]!.AsArray().Select(m => (string)m!["drug"]!), read.Medications.Select(m => m.Drug));
    }

    [Fact]
    public async Task Harbin_case_exported_as_json_and_imported_again_exports_with_the_same_children_in_the_same_order()
    {
        var original = await Get<CaseResponse>($"/api/v1/cases/{Harbin}");

        var copy = await Client.CreateCaseAsync(AsDocument(original) with { SourceCaseId = original.SourceCaseId + "-json" });

        Assert.Equal(FhirAssert.Comparable(original), FhirAssert.Comparable(await Get<CaseResponse>($"/api/v1/cases/{copy.Id}")));
        Assert.Equal(original.Diagnostics.Select(d => d.Summary), copy.Diagnostics.Select(d => d.Summary));
    }

    [Fact]
    public async Task Doses_and_measurements_come_back_with_the_decimals_they_were_sent_with()
    {
        var document = CaseDocuments.Document(KeyBootstrap.TiantanHospital, pseudonym: $"DECIMALS-{Guid.NewGuid():N}", drugs: ["gabapentin"]);
        document = document with
        {
            Diagnostics =
            [
                new DiagnosticRequest(DiagnosticKind.VitalSigns, 0, DiagnosticResult.Normal, [], null,
                [
                    new MeasurementRequest("body-temperature", 36.5m, "Cel"),
                    new MeasurementRequest("systolic-blood-pressure", 120m, "mm[Hg]"),
                    new MeasurementRequest("diastolic-blood-pressure", 80m, "mm[Hg]"),
                ]),
            ],
            Medications = [document.Medications![0] with { Dose = new DoseRequest(100m, "mg") }, document.Medications[0] with { Dose = new DoseRequest(2.50m, "mg") }],
        };

        var posted = JsonDocument.Parse(await (await Client.PostAsJson("/api/v1/cases", document)).Content.ReadAsStringAsync()).RootElement;
        var id = posted.GetProperty("id").GetGuid();
        var read = JsonDocument.Parse(await Client.GetStringAsync($"/api/v1/cases/{id}")).RootElement;
        var listed = JsonDocument.Parse(await Client.GetStringAsync($"/api/v1/cases/{id}/medications")).RootElement;

        foreach (var body in new[] { posted, read })
        {
            Assert.Equal(["100", "2.50"], body.GetProperty("medications").EnumerateArray().Select(m => m.GetProperty("dose").GetProperty("amount").GetRawText()));
            Assert.Equal(["36.5", "120", "80"], body.GetProperty("diagnostics")[0].GetProperty("measurements").EnumerateArray().Select(m => m.GetProperty("value").GetRawText()));
        }
        Assert.Equal(["100", "2.50"], listed.EnumerateArray().Select(m => m.GetProperty("dose").GetProperty("amount").GetRawText()));
        Assert.Equal(["100", "2.50"], await Stored<string>("SELECT dose_amount::text FROM medications WHERE case_id = @caseId ORDER BY ordinal", id));

        var bundle = await Fhir(id);
        var doses = Resources(bundle, "MedicationStatement").Select(s => s.GetProperty("dosage")[0]).ToList();
        Assert.Equal(["100", "2.50"], doses.Select(d => d.GetProperty("doseAndRate")[0].GetProperty("doseQuantity").GetProperty("value").GetRawText()));
        Assert.StartsWith("100 mg", doses[0].GetProperty("text").GetString());
        var observations = Resources(bundle, "Observation").ToList();
        Assert.Contains(observations, o => o.TryGetProperty("valueQuantity", out var q) && q.GetProperty("value").GetRawText() == "36.5");
        var pressure = Assert.Single(observations, o => FhirAssert.Codes(o, "code", FhirAssert.Loinc).Contains("85354-9")).GetProperty("component");
        Assert.Equal(["120", "80"], pressure.EnumerateArray().Select(c => c.GetProperty("valueQuantity").GetProperty("value").GetRawText()));
    }

    /// <summary>The document that stores the same case again, for the same patient, from what GET /cases/{id} answered.</summary>
    private static CaseDocument AsDocument(CaseResponse c) => new(
        c.PatientId, null, c.HospitalId, c.SourceCaseId, c.AgeAtPresentation, c.PresentationDate, c.AdmissionDate, c.LengthOfStayDays,
        c.FollowUpDays, c.AffectedSide, c.SymptomDurationDays, c.AffectedRegions, c.Triggers, c.PresentDuringSleep, c.AssociatedSymptoms,
        new HistoryRequest(c.History.PriorFacialPalsy, c.History.PriorFacialPalsyMonthsBefore, c.History.Notes),
        new DiagnosisRequest(c.Diagnosis.Name, c.Diagnosis.Icd10, c.Diagnosis.SnomedCt, c.Diagnosis.Etiology, c.Diagnosis.Notes),
        c.SupportiveCare, c.Notes,
        [.. c.Diagnostics.Select(d => new DiagnosticRequest(d.Kind, d.Day, d.Result, d.Findings, d.Summary,
            [.. d.Measurements.Select(m => new MeasurementRequest(m.Name, m.Value, m.Unit))]))],
        [.. c.Medications.Select(m => new MedicationRequest(m.Drug, m.ProductName, m.Route, m.Form,
            m.Dose is { } dose ? new DoseRequest(dose.Amount, dose.Unit) : null, m.Frequency, m.StartDay, m.EndDay, m.Setting, m.Purpose,
            [.. m.Adjustments.Select(a => new AdjustmentRequest(a.Day, a.Change, a.Note))], m.Ending))],
        [.. c.Outcomes.Select(o => new OutcomeRequest(o.Day, o.Method, o.Status,
            o.Severity is { } s ? new SeverityRequest(s.Scale, s.Score) : null, o.Recurrence, o.ResidualFindings, o.Notes))]);
}
