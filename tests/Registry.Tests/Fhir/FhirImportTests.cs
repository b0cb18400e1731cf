using System.Text.Json.Nodes;
using Registry.Api.Cases;
using Registry.Api.Diagnostics;
using Registry.Api.Medications;
using Registry.Api.Outcomes;
using Registry.Api.Patients;

namespace Registry.Tests.Fhir;

/// <summary>POST /fhir: transaction bundles in, the same case out; what cannot be mapped is an OperationOutcome and stores nothing.</summary>
public sealed class FhirImportTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private const string Extensions = "https://hfs-registry.example/fhir/StructureDefinition/";
    private readonly HttpClient _client = app.CreateClient();

    private async Task<JsonObject> TransactionBundle(Guid caseId) =>
        JsonNode.Parse(await _client.GetStringAsync($"/api/v1/cases/{caseId}/fhir?bundleType=transaction"))!.AsObject();

    private Task<HttpResponseMessage> Post(JsonNode bundle, string mediaType = "application/fhir+json") =>
        _client.PostAsync("/api/v1/fhir", new StringContent(bundle.ToJsonString(), Encoding.UTF8, mediaType));

    private static JsonObject Resource(JsonObject bundle, string type, int nth = 0) =>
        bundle["entry"]!.AsArray().Select(e => e!["resource"]!.AsObject()).Where(r => (string)r["resourceType"]! == type).ElementAt(nth);

    private static int EntryIndex(JsonObject bundle, JsonObject resource) =>
        bundle["entry"]!.AsArray().Select((e, i) => (e, i)).Single(x => ReferenceEquals(x.e!["resource"], resource)).i;

    /// <summary>The re-import needs its own sourceCaseId: the same one is, rightly, a 409.</summary>
    private static void NewSourceCaseId(JsonObject bundle, string suffix)
    {
        var identifier = Resource(bundle, "Encounter")["identifier"]![0]!;
        identifier["value"] = (string)identifier["value"]! + suffix;
    }

    private async Task<CaseResponse> Case(Guid id) =>
        await (await _client.GetAsync($"/api/v1/cases/{id}")).ReadAs<CaseResponse>(HttpStatusCode.OK);

    private async Task<Guid> Import(JsonObject bundle)
    {
        var response = await (await Post(bundle)).ReadFhir(HttpStatusCode.OK);
        Assert.Equal("transaction-response", response.GetProperty("type").GetString());
        Assert.Equal(bundle["entry"]!.AsArray().Count, response.GetProperty("entry").GetArrayLength());
        // Each location is [type]/{id}/_history/{vid}; the Encounter's id is derived from the case's.
        var location = response.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("response").GetProperty("location").GetString()!)
            .Single(l => l.StartsWith("Encounter/"));
        return Api.Fhir.FhirJson.SeedOf(Guid.Parse(location.Split('/')[1]), "encounter");
    }

    private async Task<(long Cases, long Patients)> Counts() =>
        (await app.QuerySingleAsync<long>("SELECT count(*) FROM cases"), await app.QuerySingleAsync<long>("SELECT count(*) FROM patients"));

    [Theory]
    [InlineData(FhirExportTests.Tiantan)]
    [InlineData(FhirExportTests.Harbin)]
    public async Task Documented_case_survives_export_import_export_unchanged(string id)
    {
        var original = await Case(Guid.Parse(id));
        var bundle = await TransactionBundle(original.Id);
        NewSourceCaseId(bundle, "-fhir");

        var copyId = await Import(bundle);

        var copy = await Case(copyId);
        Assert.NotEqual(original.Id, copy.Id);
        Assert.Equal(original.SourceCaseId + "-fhir", copy.SourceCaseId);
        Assert.Equal(original.PatientId, copy.PatientId); // matched by pseudonym, not duplicated
        Assert.Equal(FhirAssert.Comparable(original), FhirAssert.Comparable(copy));
        var again = await (await _client.GetAsync($"/api/v1/cases/{copyId}/fhir")).ReadFhir(HttpStatusCode.OK);
        FhirAssert.ValidBundle(again, "collection");
        Assert.Equal(Counts(await TransactionBundle(original.Id)), Counts(JsonNode.Parse(again.GetRawText())!.AsObject()));
    }

    private static string Counts(JsonObject bundle) => string.Join(",", bundle["entry"]!.AsArray()
        .GroupBy(e => (string)e!["resource"]!["resourceType"]!).OrderBy(g => g.Key).Select(g => $"{g.Key}:{g.Count()}"));

    public static TheoryData<string> Generated => new() { "minimal", "bilateral-female-day-precise", "rich", "every-field", "unknown-sex-no-admission" };

    [Theory]
    [MemberData(nameof(Generated))]
    public async Task Generated_cases_export_validly_and_round_trip(string shape)
    {
        var hospitalId = await _client.CreateHospitalAsync($"Hospital {shape}");
        var document = Shape(shape, hospitalId);
        var original = await _client.CreateCaseAsync(document);

        var exported = await (await _client.GetAsync($"/api/v1/cases/{original.Id}/fhir")).ReadFhir(HttpStatusCode.OK);
        FhirAssert.ValidBundle(exported, "collection");
        FhirValidation.AssertValid(exported.GetRawText());
        var bundle = await TransactionBundle(original.Id);
        FhirAssert.ValidBundle(System.Text.Json.JsonDocument.Parse(bundle.ToJsonString()).RootElement, "transaction");
        FhirValidation.AssertValid(bundle.ToJsonString());
        if (original.SourceCaseId is not null) NewSourceCaseId(bundle, "-again");

        var copy = await Case(await Import(bundle));

        Assert.Equal(FhirAssert.Comparable(original), FhirAssert.Comparable(copy));
    }

    private static CaseDocument Shape(string shape, Guid hospitalId)
    {
        var basic = CaseDocuments.Document(hospitalId, pseudonym: $"P-{shape}", sourceCaseId: $"S-{shape}");
        return shape switch
        {
            "minimal" => basic with
            {
                SourceCaseId = null, AdmissionDate = null, LengthOfStayDays = null, FollowUpDays = null, AffectedRegions = [], Triggers = [],
                AssociatedSymptoms = [], SupportiveCare = [], History = new HistoryRequest(false, null, null),
                Diagnosis = new DiagnosisRequest("Hemifacial spasm", "G51.3", null, Etiology.Idiopathic, null),
                Diagnostics = [], Medications = [], Outcomes = [],
            },
            "bilateral-female-day-precise" => CaseDocuments.Document(hospitalId, pseudonym: "P-day", sex: Sex.Female, age: 63, presentation: "2023-02-14",
                sourceCaseId: "S-day", side: AffectedSide.Bilateral, drugs: ["carbamazepine", "botulinum-toxin-a", "xuesaitong"],
                outcomes: [(14, OutcomeStatus.Unchanged), (90, OutcomeStatus.Worsened)]) with
            {
                Patient = new InlinePatient("P-day", Sex.Female, 1960), SymptomDurationDays = 400, PresentDuringSleep = true,
                History = new HistoryRequest(true, 30, "Bell's palsy on the right."),
            },
            "rich" => basic with
            {
                Notes = "Case notes with \"quotes\", unicode °C and a\nnewline.", PresentDuringSleep = false,
                AffectedRegions = [FacialRegion.Forehead, FacialRegion.Other], Triggers = [Trigger.Cold, Trigger.Other],
                AssociatedSymptoms = ["tinnitus", "facial-pain"],
                SupportiveCare = [SupportiveCare.Acupuncture, SupportiveCare.Other],
                Diagnostics =
                [
                    new DiagnosticRequest(DiagnosticKind.VitalSigns, 1, DiagnosticResult.Abnormal, ["febrile"], "Vitals on day 1.",
                    [
                        new MeasurementRequest("diastolic-blood-pressure", 95, "mm[Hg]"), new MeasurementRequest("systolic-blood-pressure", 150, "mm[Hg]"),
                        new MeasurementRequest("body-temperature", 38.25m, "Cel"), new MeasurementRequest("systolic-blood-pressure", 145, "mm[Hg]"),
                        new MeasurementRequest("diastolic-blood-pressure", 90, "mm[Hg]"),
                    ]),
                    new DiagnosticRequest(DiagnosticKind.Lab, 2, DiagnosticResult.Inconclusive, [], null, [new MeasurementRequest("glucose", 5.4m, "mmol/L")]),
                    new DiagnosticRequest(DiagnosticKind.MriBrain, null, DiagnosticResult.Abnormal, ["AICA loop contacting the facial nerve root exit zone"], "Neurovascular conflict.", []),
                    new DiagnosticRequest(DiagnosticKind.Emg, 3, DiagnosticResult.Normal, ["lateral spread response absent"], null, []),
                    new DiagnosticRequest(DiagnosticKind.Other, 4, DiagnosticResult.Normal, [], "Audiometry.", []),
                ],
                Medications =
                [
                    new MedicationRequest("gabapentin", "Neurontin", Route.Oral, "capsule", new DoseRequest(300, "mg"), "three times daily", 0, 30,
                        Setting.Outpatient, "spasm", [new AdjustmentRequest(7, DoseChange.Increased, "600 mg"), new AdjustmentRequest(21, DoseChange.Decreased, null)], Ending.Stopped),
                    new MedicationRequest("botulinum-toxin-a", null, Route.Intramuscular, "injection", new DoseRequest(2.5m, "[iU]"), null, 10, null,
                        Setting.Inpatient, null, [], Ending.Ongoing),
                    new MedicationRequest("mecobalamin", null, Route.Other, null, null, null, null, null, Setting.Both, null, [], Ending.Completed),
                ],
                Outcomes =
                [
                    new OutcomeRequest(30, AssessmentMethod.InPerson, OutcomeStatus.Improved, new SeverityRequest(SeverityScale.Smc, 2), null, ["mild eyelid twitch"], "Better."),
                    new OutcomeRequest(60, AssessmentMethod.Record, OutcomeStatus.MarkedImprovement, new SeverityRequest(SeverityScale.Hfs30, 12), true, ["a", "b"], null),
                    new OutcomeRequest(90, AssessmentMethod.Phone, OutcomeStatus.Resolved, new SeverityRequest(SeverityScale.Jankovic, 0), false, [], null),
                ],
            },
            // Every field of the case and its children set, with dates known to the day (so vital signs claim their profile).
            "every-field" => Shape("rich", hospitalId) with
            {
                Patient = new InlinePatient("P-every-field", Sex.Female, 1960), SourceCaseId = "S-every-field", AgeAtPresentation = 62,
                PresentationDate = "2023-02-14", AdmissionDate = "2023-02-14", SymptomDurationDays = 400, PresentDuringSleep = true,
                History = new HistoryRequest(true, 30, "Bell's palsy on the right."),
                Diagnosis = new DiagnosisRequest("Hemifacial spasm", "G51.3", "13753008", Etiology.NeurovascularCompression, "Clinical diagnosis; EMG confirms."),
            },
            _ => CaseDocuments.Document(hospitalId, pseudonym: "P-unknown", sex: Sex.Unknown, age: 0, presentation: "2020", sourceCaseId: "S-unknown",
                side: AffectedSide.Right) with { AdmissionDate = null, LengthOfStayDays = 0 },
        };
    }

    [Fact]
    public async Task Bundle_with_only_standard_codes_and_full_dates_imports_the_same_case()
    {
        var hospitalId = await _client.CreateHospitalAsync("EHR Hospital");
        var original = await _client.CreateCaseAsync(CaseDocuments.Document(hospitalId, pseudonym: "P-ehr", presentation: "2023-02-14", sourceCaseId: "S-ehr"));
        var bundle = await TransactionBundle(original.Id);
        NewSourceCaseId(bundle, "-ehr");

        // What an EHR would send: ATC without the registry drug code, SNOMED CT route and laterality, LOINC vital
        // signs, v3 interpretation, and calendar dates instead of day offsets.
        static bool Registry(JsonNode? coding, string system) => (string)coding!["system"]! == $"https://hfs-registry.example/fhir/CodeSystem/{system}";
        static void Strip(JsonNode? concept, string system)
        {
            if (concept?["coding"] is JsonArray codings)
                foreach (var c in codings.Where(c => Registry(c, system)).ToList()) codings.Remove(c);
        }
        foreach (var r in bundle["entry"]!.AsArray().Select(e => e!["resource"]!.AsObject()))
        {
            if (r["extension"] is JsonArray extensions)
                foreach (var x in extensions.Where(x => ((string)x!["url"]!).EndsWith("/day-offset") || ((string)x!["url"]!).EndsWith("-day")).ToList())
                    extensions.Remove(x);
            Strip(r["conclusionCode"]?[0], "diagnostic-result");
            Strip(r["code"], "measurement");
            Strip(r["dosage"]?[0]?["route"], "route");
            if ((string)r["resourceType"]! == "Medication") Strip(r["code"], "drug");
            Strip(r["extension"]?.AsArray().FirstOrDefault(x => ((string)x!["url"]!).EndsWith("/affected-side"))?["valueCodeableConcept"], "affected-side");
        }
        Assert.DoesNotContain("/CodeSystem/drug", bundle.ToJsonString());
        Assert.DoesNotContain("day-offset", bundle.ToJsonString());

        var copy = await Case(await Import(bundle));

        Assert.Equal(FhirAssert.Comparable(original), FhirAssert.Comparable(copy));
    }

    [Fact]
    public async Task Re_sent_bundle_is_a_409_pointing_at_the_existing_case()
    {
        var bundle = await TransactionBundle(Guid.Parse(FhirExportTests.Tiantan));
        var before = await Counts();

        var outcome = await (await Post(bundle)).ReadOutcome(HttpStatusCode.Conflict, $"Bundle.entry[2].resource.identifier", FhirExportTests.Tiantan);

        Assert.Equal("duplicate", outcome.GetProperty("issue")[0].GetProperty("code").GetString());
        Assert.Equal(before, await Counts());
    }

    [Fact]
    public async Task Plain_application_json_is_accepted_too()
    {
        var bundle = await TransactionBundle(Guid.Parse(FhirExportTests.Harbin));
        NewSourceCaseId(bundle, "-json");

        await (await Post(bundle, "application/json")).ReadFhir(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Other_media_types_are_a_415_operation_outcome_and_store_nothing()
    {
        var bundle = await TransactionBundle(Guid.Parse(FhirExportTests.Harbin));
        NewSourceCaseId(bundle, "-text");
        var before = await Counts();

        await (await Post(bundle, "text/plain")).ReadOutcome(HttpStatusCode.UnsupportedMediaType, "", "Unsupported Media Type");

        Assert.Equal(before, await Counts());
    }

    [Fact]
    public async Task A_resource_that_is_not_a_bundle_is_a_400_and_stores_nothing()
    {
        var before = await Counts();
        var patient = Resource(await TransactionBundle(Guid.Parse(FhirExportTests.Tiantan)), "Patient");

        await (await Post(patient.DeepClone())).ReadOutcome(HttpStatusCode.BadRequest, "Bundle.resourceType", "Patient");

        Assert.Equal(before, await Counts());
    }

    [Fact]
    public async Task Invalid_json_duplicate_keys_and_a_collection_bundle_are_400s()
    {
        var response = await _client.PostAsync("/api/v1/fhir", new StringContent("{\"resourceType\": \"Bundle\",", Encoding.UTF8, "application/fhir+json"));
        await response.ReadOutcome(HttpStatusCode.BadRequest, "Bundle");
        var collection = JsonNode.Parse(await _client.GetStringAsync($"/api/v1/cases/{FhirExportTests.Tiantan}/fhir"))!;
        await (await Post(collection)).ReadOutcome(HttpStatusCode.BadRequest, "Bundle.type");
        var duplicateKeys = await _client.PostAsync("/api/v1/fhir",
            new StringContent("{\"resourceType\": \"Bundle\", \"type\": \"transaction\", \"type\": \"batch\"}", Encoding.UTF8, "application/fhir+json"));
        await duplicateKeys.ReadOutcome(HttpStatusCode.BadRequest, "Bundle");
    }

    [Theory]
    [InlineData("""{"resourceType": "Bundle", "type": "transaction", "entry": {}}""", "Bundle")]
    [InlineData("""{"resourceType": "Bundle", "type": "transaction", "entry": [null]}""", "Bundle.entry")]
    [InlineData("""{"resourceType": "Bundle", "type": "transaction", "entry": [{"fullUrl": "urn:uuid:5b0c7a4e-0d1f-4b7e-9a8c-3f2e1d0c9b8a", "resource": 5}]}""", "Bundle.entry[0].resource")]
    [InlineData("""{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient", "gender": "male"}}]}""", "Bundle.type")]
    [InlineData("""{"resourceType": "Bundle", "type": "transaction", "entry": {"resource": {"resourceType": "Patient", "sex": "male"}}}""", "Bundle.entry")]
    public async Task Malformed_fhir_json_is_a_400_or_422_naming_the_element_never_a_500(string body, string expression)
    {
        var before = await Counts();

        var response = await _client.PostAsync("/api/v1/fhir", new StringContent(body, Encoding.UTF8, "application/fhir+json"));

        Assert.Contains((int)response.StatusCode, new[] { 400, 422 });
        await response.ReadOutcome(response.StatusCode, expression);
        Assert.Equal(before, await Counts());
    }

    [Fact]
    public async Task Unknown_or_unsupported_bundle_elements_are_400s_naming_them_and_store_nothing()
    {
        var bundle = await TransactionBundle(Guid.Parse(FhirExportTests.Harbin));
        NewSourceCaseId(bundle, "-envelope");
        var before = await Counts();

        var unknown = bundle.DeepClone().AsObject();
        unknown["signatures"] = new JsonArray(new JsonObject { ["type"] = "x" });
        await (await Post(unknown)).ReadOutcome(HttpStatusCode.BadRequest, "Bundle.signatures", "unknown element");
        var unsupported = bundle.DeepClone().AsObject();
        unsupported["total"] = 3;
        await (await Post(unsupported)).ReadOutcome(HttpStatusCode.BadRequest, "Bundle.total", "not supported");
        var entrySearch = bundle.DeepClone().AsObject();
        entrySearch["entry"]![0]!["search"] = new JsonObject { ["mode"] = "match" };
        await (await Post(entrySearch)).ReadOutcome(HttpStatusCode.BadRequest, "Bundle.entry[0].search", "search");

        Assert.Equal(before, await Counts());
    }

    /// <summary>Each bad bundle: what to break, the FHIRPath the OperationOutcome must name, and words its diagnostics must hold.</summary>
    public static TheoryData<string> BadBundles => new()
    {
        "missing-patient", "unknown-drug-code", "invalid-gender", "smc-score-out-of-range", "unsupported-resource", "dangling-reference",
        "patient-name", "unknown-extension", "unknown-hospital", "missing-outcome-status",
        "unknown-element", "wrong-json-type", "invalid-date", "extension-value-of-another-type", "extension-out-of-place",
    };

    [Theory]
    [MemberData(nameof(BadBundles))]
    public async Task Bundle_the_registry_cannot_hold_is_a_422_naming_entry_and_element_and_stores_nothing(string breakage)
    {
        var bundle = await TransactionBundle(Guid.Parse(FhirExportTests.Tiantan));
        NewSourceCaseId(bundle, $"-{breakage}");
        var entries = bundle["entry"]!.AsArray();
        string expression, words;
        switch (breakage)
        {
            case "missing-patient":
                entries.RemoveAt(EntryIndex(bundle, Resource(bundle, "Patient")));
                foreach (var r in entries.Select(e => e!["resource"]!.AsObject())) { r.Remove("subject"); }
                expression = "Bundle.entry"; words = "Patient";
                break;
            case "unknown-drug-code":
            {
                var medication = Resource(bundle, "Medication", 2);
                var coding = medication["code"]!["coding"]!.AsArray().Single(c => ((string)c!["system"]!).EndsWith("/drug"))!;
                coding["code"] = "gabapentine";
                expression = $"Bundle.entry[{EntryIndex(bundle, medication)}].resource.code"; words = "medications[2].drug";
                break;
            }
            case "invalid-gender":
                Resource(bundle, "Patient")["gender"] = "M";
                expression = "Bundle.entry[1].resource.gender"; words = "patient.sex";
                break;
            case "smc-score-out-of-range":
            {
                var outcome = Resource(bundle, "Observation", bundle["entry"]!.AsArray().Count(e => (string)e!["resource"]!["resourceType"]! == "Observation") - 1);
                outcome["component"]!.AsArray().Insert(0, new JsonObject
                {
                    ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "https://hfs-registry.example/fhir/CodeSystem/severity-scale", ["code"] = "smc" }) },
                    ["valueInteger"] = 5,
                });
                expression = $"Bundle.entry[{EntryIndex(bundle, outcome)}].resource.component[0].valueInteger"; words = "outcomes[3].severity.score";
                break;
            }
            case "unsupported-resource":
                entries.Add(new JsonObject
                {
                    ["fullUrl"] = $"urn:uuid:{Guid.NewGuid()}",
                    ["resource"] = new JsonObject { ["resourceType"] = "Practitioner" },
                    ["request"] = new JsonObject { ["method"] = "POST", ["url"] = "Practitioner" },
                });
                expression = $"Bundle.entry[{entries.Count - 1}].resource.resourceType"; words = "Practitioner";
                break;
            case "dangling-reference":
                Resource(bundle, "Encounter")["subject"]!["reference"] = $"urn:uuid:{Guid.NewGuid()}";
                expression = "Bundle.entry[2].resource.subject.reference"; words = "fullUrl";
                break;
            case "patient-name":
                Resource(bundle, "Patient")["name"] = new JsonArray(new JsonObject { ["family"] = "Wang" });
                expression = "Bundle.entry[1].resource.name"; words = "no patient names";
                break;
            case "unknown-extension":
                Resource(bundle, "Condition")["extension"]!.AsArray().Add(new JsonObject { ["url"] = "https://example.org/x", ["valueString"] = "?" });
                expression = "Bundle.entry[3].resource.extension"; words = "https://example.org/x";
                break;
            case "unknown-hospital":
            {
                var other = Guid.NewGuid().ToString();
                var json = bundle.ToJsonString().Replace("7428361b-bc8b-44d5-a0a5-f5edc53db9a8", other);
                bundle = JsonNode.Parse(json)!.AsObject();
                expression = "Bundle.entry[0].resource.identifier"; words = "hospitalId";
                break;
            }
            case "unknown-element":
                Resource(bundle, "Encounter")["admissionSource"] = "referral";
                expression = "Bundle.entry[2].resource.admissionSource"; words = "unknown element";
                break;
            case "wrong-json-type":
                Resource(bundle, "Patient")["birthDate"] = 1972;
                expression = "Bundle.entry[1].resource.birthDate"; words = "patient.birthYear";
                break;
            case "invalid-date":
                Resource(bundle, "Condition")["recordedDate"] = "April 2019";
                expression = "Bundle.entry[3].resource.recordedDate"; words = "presentationDate";
                break;
            case "extension-value-of-another-type":
            {
                var age = Resource(bundle, "Encounter")["extension"]!.AsArray().Select((x, i) => (x, i)).Single(x => ((string)x.x!["url"]!).EndsWith("/age-at-presentation"));
                age.x!.AsObject().Remove("valueInteger");
                age.x!["valueString"] = "47";
                expression = $"Bundle.entry[2].resource.extension[{age.i}]"; words = "valueInteger";
                break;
            }
            case "extension-out-of-place":
                Resource(bundle, "Patient")["extension"] = new JsonArray(new JsonObject { ["url"] = Extensions + "age-at-presentation", ["valueInteger"] = 47 });
                expression = "Bundle.entry[1].resource.extension[0]"; words = "age-at-presentation";
                break;
            default:
                Resource(bundle, "Observation", bundle["entry"]!.AsArray().Count(e => (string)e!["resource"]!["resourceType"]! == "Observation") - 1)
                    .Remove("valueCodeableConcept");
                expression = "Bundle.entry["; words = "outcomes[3].status";
                break;
        }
        var before = await Counts();

        var outcomeBody = await (await Post(bundle)).ReadOutcome(HttpStatusCode.UnprocessableEntity, expression, words);

        Assert.Equal(before, await Counts());
        Assert.Equal(0, await app.QuerySingleAsync<long>("SELECT count(*) FROM cases WHERE source_case_id LIKE @s", new { s = $"%-{breakage}" }));
    }

    [Fact]
    public async Task An_import_retried_with_the_same_idempotency_key_replays_the_transaction_response_and_stores_one_case()
    {
        var bundle = await TransactionBundle(Guid.Parse(FhirExportTests.Tiantan));
        NewSourceCaseId(bundle, "-idempotent");
        HttpRequestMessage Import() => new(HttpMethod.Post, "/api/v1/fhir")
        {
            Content = new StringContent(bundle.ToJsonString(), Encoding.UTF8, "application/fhir+json"),
            Headers = { { "Idempotency-Key", "fhir-import-retry" } },
        };

        var first = await _client.SendAsync(Import());
        var retry = await _client.SendAsync(Import());

        var original = await first.ReadFhir(HttpStatusCode.OK);
        var replayed = await retry.ReadFhir(HttpStatusCode.OK);
        Assert.Equal("transaction-response", original.GetProperty("type").GetString());
        Assert.Equal(original.GetRawText(), replayed.GetRawText());
        Assert.Equal("true", Assert.Single(retry.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM cases WHERE source_case_id LIKE '%-idempotent'"));
    }
}
