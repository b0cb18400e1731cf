using Registry.Api.Bulk;
using Registry.Api.Cases;
using Registry.Api.Diagnostics;
using Registry.Api.Medications;
using Registry.Api.Outcomes;
using Registry.Api.Patients;
using Registry.Api.Security;

namespace Registry.Tests.Bulk;

public sealed class BulkIngestTests(RegistryApp app) : ApiTests(app)
{
    private Task<(HttpResponseMessage Response, List<JsonElement> Lines)> Upload(string body, string contentType = "application/x-ndjson") =>
        Upload(Client, body, contentType);

    private static async Task<(HttpResponseMessage Response, List<JsonElement> Lines)> Upload(HttpClient client, string body, string contentType = "application/x-ndjson")
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new(contentType);
        var response = await client.PostAsync("/api/v1/cases/bulk", content);
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList());
    }

    private static string Line(object document) => JsonSerializer.Serialize(document, RegistryApp.Json);

    private static string Body(IEnumerable<object> documents) => string.Join('\n', documents.Select(Line)) + "\n";

    private static string[] Statuses(List<JsonElement> lines) => lines.SkipLast(1).Select(l => l.GetProperty("status").GetString()!).ToArray();

    [Fact]
    public async Task Each_line_is_validated_and_stored_on_its_own_and_answered_by_line_number()
    {
        var hospital = await Client.CreateHospitalAsync("Bulk");
        var bad = CaseDocuments.Document(hospital, "B-2", sourceCaseId: "BULK-2", drugs: ["carbamazepin"]);
        var body = string.Join('\n',
            Line(CaseDocuments.Document(hospital, "B-1", sourceCaseId: "BULK-1")),
            Line(bad),
            "",
            "{not json",
            Line(CaseDocuments.Document(hospital, "B-5", sourceCaseId: "BULK-1")),
            Line(CaseDocuments.Document(hospital, "B-6", sourceCaseId: "BULK-6"))) + "\n";

        var (response, lines) = await Upload(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal([1, 2, 4, 5, 6], lines.SkipLast(1).Select(l => l.GetProperty("line").GetInt32()));
        Assert.Equal(["created", "invalid", "invalid", "duplicate", "created"], lines.SkipLast(1).Select(l => l.GetProperty("status").GetString()));
        var first = lines[0].GetProperty("id").GetGuid();
        Assert.Equal($"/api/v1/cases/{first}", lines[0].GetProperty("location").GetString());
        Assert.True(lines[1].GetProperty("errors").TryGetProperty("medications[0].drug", out _), lines[1].ToString());
        Assert.True(lines[2].GetProperty("errors").TryGetProperty("$", out _), lines[2].ToString());
        Assert.Equal(first, lines[3].GetProperty("existingCaseId").GetGuid());
        var summary = lines[^1];
        Assert.Equal(("summary", 5, 2, 3, true), (summary.GetProperty("status").GetString(), summary.GetProperty("lines").GetInt32(),
            summary.GetProperty("created").GetInt32(), summary.GetProperty("failed").GetInt32(), summary.GetProperty("complete").GetBoolean()));

        Assert.Equal(2, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM cases WHERE hospital_id = @hospital", new { hospital }));
        Assert.Equal(new[] { "gabapentin", "thiamine" },
            await app.QuerySingleAsync<string[]>("SELECT drugs FROM cases WHERE id = @first", new { first }));
    }

    [Fact]
    public async Task A_last_line_without_a_newline_is_still_read()
    {
        var hospital = await Client.CreateHospitalAsync("Bulk tail");

        var (_, lines) = await Upload(Line(CaseDocuments.Document(hospital, "T-1")));

        Assert.Equal("created", lines[0].GetProperty("status").GetString());
        Assert.Equal(1, lines[^1].GetProperty("created").GetInt32());
    }

    [Fact]
    public async Task A_body_that_is_not_ndjson_is_a_415_problem_and_stores_nothing()
    {
        var hospital = await Client.CreateHospitalAsync("Bulk json");

        var (response, _) = await Upload(Line(CaseDocuments.Document(hospital, "J-1")), "application/json");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM cases WHERE hospital_id = @hospital", new { hospital }));
    }

    [Fact]
    public async Task A_body_larger_than_the_global_one_mebibyte_limit_is_accepted()
    {
        var hospital = await Client.CreateHospitalAsync("Bulk large");
        var document = CaseDocuments.Document(hospital, "L-0") with { Notes = new string('n', 3000) };
        var lines = Enumerable.Range(0, 400).Select(i => Line(document with
        {
            Patient = document.Patient! with { Pseudonym = $"L-{i}" }, SourceCaseId = $"LARGE-{i}",
        })).ToList();
        var body = string.Join('\n', lines);
        Assert.True(Encoding.UTF8.GetByteCount(body) > 1024 * 1024);

        var (response, answer) = await Upload(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((400, 0, true), (answer[^1].GetProperty("created").GetInt32(), answer[^1].GetProperty("failed").GetInt32(),
            answer[^1].GetProperty("complete").GetBoolean()));
    }

    [Fact]
    public async Task A_line_longer_than_the_per_case_limit_is_answered_too_long_and_the_next_line_still_counts()
    {
        var hospital = await Client.CreateHospitalAsync("Bulk long line");
        var huge = "{\"notes\":\"" + new string('x', 1024 * 1024 + 10) + "\"}";

        var (_, lines) = await Upload(huge + "\n" + Line(CaseDocuments.Document(hospital, "N-2")) + "\n");

        Assert.Equal(("too-long", 1), (lines[0].GetProperty("status").GetString(), lines[0].GetProperty("line").GetInt32()));
        Assert.Equal(("created", 2), (lines[1].GetProperty("status").GetString(), lines[1].GetProperty("line").GetInt32()));
    }

    [Fact]
    public async Task A_sourceCaseId_repeated_in_one_upload_is_a_duplicate_of_the_case_its_first_line_created()
    {
        var hospital = await Client.CreateHospitalAsync("Bulk repeat");

        var (_, lines) = await Upload(Body([
            CaseDocuments.Document(hospital, "R-1", sourceCaseId: "REPEAT-1"),
            CaseDocuments.Document(hospital, "R-2", sourceCaseId: "REPEAT-2"),
            CaseDocuments.Document(hospital, "R-3", sourceCaseId: "REPEAT-1"),
        ]));

        Assert.Equal(["created", "created", "duplicate"], Statuses(lines));
        Assert.Equal(lines[0].GetProperty("id").GetGuid(), lines[2].GetProperty("existingCaseId").GetGuid());
        Assert.True(lines[2].GetProperty("errors").TryGetProperty("sourceCaseId", out _), lines[2].ToString());
        Assert.Equal(2, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM cases WHERE hospital_id = @hospital", new { hospital }));
        // The duplicate line's new pseudonym was not registered: nothing of a line that is not stored is kept.
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM patients WHERE hospital_id = @hospital AND pseudonym = 'R-3'", new { hospital }));
    }

    [Fact]
    public async Task A_new_pseudonym_repeated_in_one_upload_makes_one_patient_and_a_contradicting_sex_is_invalid()
    {
        var hospital = await Client.CreateHospitalAsync("Bulk same patient");

        var (_, lines) = await Upload(Body([
            CaseDocuments.Document(hospital, "SAME-1", sex: Sex.Female, sourceCaseId: "SAME-A"),
            CaseDocuments.Document(hospital, "SAME-1", sex: Sex.Female, sourceCaseId: "SAME-B"),
            CaseDocuments.Document(hospital, "SAME-1", sex: Sex.Male, sourceCaseId: "SAME-C"),
        ]));

        Assert.Equal(["created", "created", "invalid"], Statuses(lines));
        Assert.True(lines[2].GetProperty("errors").TryGetProperty("patient.sex", out _), lines[2].ToString());
        var patients = await app.QuerySingleAsync<Guid[]>(
            "SELECT array_agg(DISTINCT patient_id) FROM cases WHERE hospital_id = @hospital", new { hospital });
        var patient = Assert.Single(patients);
        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM patients WHERE hospital_id = @hospital", new { hospital }));
        Assert.Equal(1, await app.QuerySingleAsync<int>(
            "SELECT count(*)::int FROM audit_log WHERE resource = 'patient' AND resource_id = @id", new { id = patient.ToString() }));
    }

    [Fact]
    public async Task A_birth_year_given_by_a_later_line_is_filled_in_as_an_update_of_the_patient_an_earlier_line_created()
    {
        var hospital = await Client.CreateHospitalAsync("Bulk birth year");
        var first = CaseDocuments.Document(hospital, "BY-1", sourceCaseId: "BY-A", age: 50, presentation: "2019-04");
        var second = CaseDocuments.Document(hospital, "BY-1", sourceCaseId: "BY-B", age: 50, presentation: "2019-04");
        second = second with { Patient = second.Patient! with { BirthYear = 1969 } };
        var third = second with { SourceCaseId = "BY-C", AgeAtPresentation = 69, Patient = second.Patient with { BirthYear = 1950 } };

        var (_, lines) = await Upload(Body([first, second, third]));

        Assert.Equal(["created", "created", "invalid"], Statuses(lines));
        Assert.True(lines[2].GetProperty("errors").TryGetProperty("patient.birthYear", out _), lines[2].ToString());
        var (id, birthYear, version) = await app.QuerySingleAsync<(Guid, int?, int)>(
            "SELECT id, birth_year, version FROM patients WHERE hospital_id = @hospital", new { hospital });
        Assert.Equal((1969, 2), (birthYear, version));
        Assert.Equal(["create", "update"], await app.QuerySingleAsync<string[]>(
            "SELECT array_agg(action ORDER BY id) FROM audit_log WHERE resource = 'patient' AND resource_id = @id", new { id = id.ToString() }));
    }

    [Fact]
    public async Task A_birth_year_given_in_bulk_fills_in_a_stored_patients_as_an_audited_update()
    {
        var hospital = await Client.CreateHospitalAsync("Bulk stored birth year");
        await Upload(Body([CaseDocuments.Document(hospital, "SBY-1", sourceCaseId: "SBY-A", age: 50, presentation: "2019-04")]));
        var later = CaseDocuments.Document(hospital, "SBY-1", sourceCaseId: "SBY-B", age: 50, presentation: "2019-04");

        var (_, lines) = await Upload(Body([later with { Patient = later.Patient! with { BirthYear = 1969 } }]));

        Assert.Equal(["created"], Statuses(lines));
        var (id, birthYear, version) = await app.QuerySingleAsync<(Guid, int?, int)>(
            "SELECT id, birth_year, version FROM patients WHERE hospital_id = @hospital", new { hospital });
        Assert.Equal((1969, 2), (birthYear, version));
        Assert.Equal(["create 1", "update 2"], await app.QuerySingleAsync<string[]>(
            "SELECT array_agg(action || ' ' || version_after ORDER BY id) FROM audit_log WHERE resource = 'patient' AND resource_id = @id",
            new { id = id.ToString() }));
    }

    [Fact]
    public async Task Valid_invalid_forbidden_and_too_long_lines_are_answered_in_line_order()
    {
        var own = CaseDocuments.Document(KeyBootstrap.HarbinHospital, $"ORDER-{Guid.NewGuid():N}") with { HospitalId = null };
        var other = CaseDocuments.Document(KeyBootstrap.TiantanHospital, $"ORDER-{Guid.NewGuid():N}");
        var body = string.Join('\n',
            Line(own with { SourceCaseId = $"ORDER-1-{Guid.NewGuid():N}" }),
            Line(other),
            "{not json",
            Line(own with { SourceCaseId = $"ORDER-4-{Guid.NewGuid():N}" }),
            Line(own with { AgeAtPresentation = 500 }),
            "{\"notes\":\"" + new string('x', (int)BulkIngest.MaxLineBytes) + "\"}",
            Line(own with { SourceCaseId = $"ORDER-7-{Guid.NewGuid():N}" })) + "\n";

        var (_, lines) = await Upload(app.ClientWithKey(DevelopmentKeys.HarbinHospital), body);

        Assert.Equal([1, 2, 3, 4, 5, 6, 7], lines.SkipLast(1).Select(l => l.GetProperty("line").GetInt32()));
        Assert.Equal(["created", "forbidden", "invalid", "created", "invalid", "too-long", "created"], Statuses(lines));
        Assert.True(lines[4].GetProperty("errors").TryGetProperty("ageAtPresentation", out _), lines[4].ToString());
        Assert.Equal((7, 3, 4), (lines[^1].GetProperty("lines").GetInt32(), lines[^1].GetProperty("created").GetInt32(),
            lines[^1].GetProperty("failed").GetInt32()));
        Assert.Equal(3, await app.QuerySingleAsync<int>(
            "SELECT count(*)::int FROM cases c JOIN patients p ON p.id = c.patient_id WHERE p.pseudonym = @pseudonym AND c.hospital_id = @hospital",
            new { pseudonym = own.Patient!.Pseudonym, hospital = KeyBootstrap.HarbinHospital }));
    }

    [Fact]
    public async Task An_upload_of_more_lines_than_a_chunk_is_answered_line_by_line_in_order_across_chunks()
    {
        var hospital = await Client.CreateHospitalAsync("Bulk chunks");
        var count = BulkIngest.ChunkLines * 2 + 7;
        // Every tenth line is a patient's second case; the last line repeats the first line's sourceCaseId.
        var documents = Enumerable.Range(1, count).Select(i => CaseDocuments.Document(hospital,
            pseudonym: $"C-{(i % 10 == 0 ? i - 9 : i)}", sourceCaseId: $"CHUNK-{i}")).ToList();
        documents.Add(CaseDocuments.Document(hospital, "C-LAST", sourceCaseId: "CHUNK-1"));

        var (_, lines) = await Upload(Body(documents));

        Assert.Equal(Enumerable.Range(1, count + 1), lines.SkipLast(1).Select(l => l.GetProperty("line").GetInt32()));
        Assert.Equal(Enumerable.Repeat("created", count).Append("duplicate"), Statuses(lines));
        Assert.Equal(lines[0].GetProperty("id").GetGuid(), lines[count].GetProperty("existingCaseId").GetGuid());
        Assert.Equal((count, count, 1), (await app.QuerySingleAsync<int>("SELECT count(*)::int FROM cases WHERE hospital_id = @hospital", new { hospital }),
            lines[^1].GetProperty("created").GetInt32(), lines[^1].GetProperty("failed").GetInt32()));
        Assert.Equal(count - count / 10, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM patients WHERE hospital_id = @hospital", new { hospital }));
        foreach (var (line, i) in lines.SkipLast(2).Select((l, i) => (l, i)))
            Assert.Equal($"CHUNK-{i + 1}", await app.QuerySingleAsync<string>(
                "SELECT source_case_id FROM cases WHERE id = @id", new { id = line.GetProperty("id").GetGuid() }));
    }

    [Fact]
    public async Task Every_row_a_bulk_upload_creates_is_audited_with_the_uploads_request_id()
    {
        var hospital = await Client.CreateHospitalAsync("Bulk audit");

        var (response, lines) = await Upload(Body([
            CaseDocuments.Document(hospital, "A-1", sourceCaseId: "AUDIT-1"),
            CaseDocuments.Document(hospital, "A-2", sourceCaseId: "AUDIT-2", drugs: ["gabapentin"]),
        ]));

        var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        var cases = lines.SkipLast(1).Select(l => l.GetProperty("id").GetGuid().ToString()).ToArray();
        var created = await app.QuerySingleAsync<string[]>("""
            SELECT array_agg(resource || ' ' || resource_id ORDER BY resource, resource_id) FROM audit_log
            WHERE request_id = @requestId AND action = 'create' AND version_after = 1 AND role = 'admin'
            """, new { requestId });
        var stored = await app.QuerySingleAsync<string[]>("""
            SELECT array_agg(r ORDER BY r) FROM (
                SELECT 'case ' || id AS r FROM cases WHERE hospital_id = @hospital
                UNION ALL SELECT 'patient ' || id FROM patients WHERE hospital_id = @hospital
                UNION ALL SELECT 'diagnostic ' || id FROM diagnostics WHERE hospital_id = @hospital
                UNION ALL SELECT 'medication ' || id FROM medications WHERE hospital_id = @hospital
                UNION ALL SELECT 'outcome ' || id FROM outcomes WHERE hospital_id = @hospital) rows
            """, new { hospital });
        Assert.Equal(stored, created);
        Assert.Equal(2 + 2 + 4 + 3 + 6, created.Length); // cases, patients, diagnostics, medications, outcomes
        Assert.All(cases, id => Assert.Contains($"case {id}", created));
    }

    [Fact]
    public async Task Cases_created_in_bulk_carry_their_drugs_and_final_outcome()
    {
        var hospital = await Client.CreateHospitalAsync("Bulk derived");

        var (_, lines) = await Upload(Body([
            CaseDocuments.Document(hospital, "D-1", drugs: ["carbamazepine", "baclofen", "carbamazepine"],
                outcomes: [(7, OutcomeStatus.Unchanged), (30, OutcomeStatus.Improved), (90, OutcomeStatus.Worsened)]),
            CaseDocuments.Document(hospital, "D-2", drugs: ["gabapentin"], outcomes: []),
        ]));

        var (first, second) = (lines[0].GetProperty("id").GetGuid(), lines[1].GetProperty("id").GetGuid());
        var whole = await (await Client.GetAsync($"/api/v1/cases/{first}")).ReadAs<CaseResponse>(HttpStatusCode.OK);
        Assert.Equal(new FinalOutcome(OutcomeStatus.Worsened, 90, 30), whole.FinalOutcome);
        var page = await (await Client.GetAsync($"/api/v1/cases?hospitalId={hospital}&drug=baclofen")).ReadAs<CasePage>(HttpStatusCode.OK);
        var listed = Assert.Single(page.Items);
        Assert.Equal(first, listed.Id);
        Assert.Equal(["baclofen", "carbamazepine"], listed.Drugs);
        var other = await (await Client.GetAsync($"/api/v1/cases?hospitalId={hospital}&drug=gabapentin")).ReadAs<CasePage>(HttpStatusCode.OK);
        Assert.Equal((second, (FinalOutcome?)null), (Assert.Single(other.Items).Id, other.Items[0].FinalOutcome));
    }

    [Fact]
    public async Task Two_uploads_racing_with_the_same_cases_store_each_case_once_and_answer_every_line()
    {
        var hospital = await Client.CreateHospitalAsync("Bulk race");
        var body = Body(Enumerable.Range(1, BulkIngest.ChunkLines + 50)
            .Select(i => CaseDocuments.Document(hospital, $"RACE-{i}", sourceCaseId: $"RACE-{i}")));

        var answers = await Task.WhenAll(Upload(app.CreateClient(), body), Upload(app.CreateClient(), body));

        var count = BulkIngest.ChunkLines + 50;
        for (var i = 0; i < count; i++)
        {
            var pair = answers.Select(a => a.Lines[i].GetProperty("status").GetString()!).Order().ToArray();
            Assert.Equal(["created", "duplicate"], pair);
        }
        Assert.Equal(count, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM cases WHERE hospital_id = @hospital", new { hospital }));
        Assert.Equal(count, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM patients WHERE hospital_id = @hospital", new { hospital }));
    }

    [Fact]
    public async Task A_case_stored_in_bulk_has_exactly_the_rows_and_audit_rows_POST_cases_stores()
    {
        var hospital = await Client.CreateHospitalAsync("Bulk same rows");
        CaseDocument Rich(string pseudonym) => CaseDocuments.Document(hospital, pseudonym, sex: Sex.Female, age: 51, presentation: "2019-04-15") with
        {
            Patient = new InlinePatient(pseudonym, Sex.Female, 1968),
            SourceCaseId = $"{pseudonym}-SRC", LengthOfStayDays = 6, SymptomDurationDays = 400, PresentDuringSleep = true,
            History = new HistoryRequest(true, 14, "Prior palsy."), Notes = "Everything set.",
            Diagnosis = new DiagnosisRequest("Hemifacial spasm", "G51.3", "13753008", Etiology.NeurovascularCompression, "MRI: loop."),
            Diagnostics =
            [
                new DiagnosticRequest(DiagnosticKind.VitalSigns, 0, DiagnosticResult.Normal, ["afebrile"], "Stable.",
                    [new MeasurementRequest("body-temperature", 36.60m, "Cel"), new MeasurementRequest("heart-rate", 75, "/min")]),
                new DiagnosticRequest(DiagnosticKind.MriBrain, null, DiagnosticResult.Abnormal, [], null, []),
            ],
            Medications =
            [
                new MedicationRequest("carbamazepine", "Tegretol", Route.Oral, "tablet", new DoseRequest(200.5m, "mg"), "twice daily", 0, 30,
                    Setting.Outpatient, "spasm control", [new AdjustmentRequest(7, DoseChange.Increased, null), new AdjustmentRequest(20, DoseChange.Paused, "rash")],
                    Ending.Stopped),
                new MedicationRequest("botulinum-toxin-a", null, Route.Intramuscular, null, null, null, null, null, Setting.Inpatient, null, [], null),
            ],
            Outcomes =
            [
                new OutcomeRequest(14, AssessmentMethod.InPerson, OutcomeStatus.Improved, new SeverityRequest(SeverityScale.Smc, 2), false, ["mild twitch"], "Better."),
                new OutcomeRequest(60, AssessmentMethod.Record, OutcomeStatus.Resolved, null, null, [], null),
            ],
        };
        var posted = await Client.CreateCaseAsync(Rich("SAME-POST"));

        var (_, lines) = await Upload(Body([Rich("SAME-BULK")]));
        var bulk = lines[0].GetProperty("id").GetGuid();

        // Every column but the ones that differ by nature: ids, the pseudonym and sourceCaseId given, timestamps.
        async Task<string> Rows(Guid caseId) => await app.QuerySingleAsync<string>("""
            SELECT jsonb_build_object(
              'case', (SELECT to_jsonb(c) - 'id' - 'patient_id' - 'source_case_id' - 'created_at' - 'updated_at' FROM cases c WHERE c.id = @caseId),
              'patient', (SELECT to_jsonb(p) - 'id' - 'pseudonym' - 'created_at' - 'updated_at' FROM patients p JOIN cases c ON c.patient_id = p.id WHERE c.id = @caseId),
              'diagnostics', (SELECT jsonb_agg(to_jsonb(x) - 'id' - 'case_id' - 'created_at' - 'updated_at' ORDER BY x.kind) FROM diagnostics x WHERE x.case_id = @caseId),
              'medications', (SELECT jsonb_agg(to_jsonb(x) - 'id' - 'case_id' - 'created_at' - 'updated_at' ORDER BY x.drug) FROM medications x WHERE x.case_id = @caseId),
              'outcomes', (SELECT jsonb_agg(to_jsonb(x) - 'id' - 'case_id' - 'created_at' - 'updated_at' ORDER BY x.day) FROM outcomes x WHERE x.case_id = @caseId),
              'audit', (SELECT jsonb_agg(to_jsonb(a) - 'id' - 'at' - 'request_id' - 'resource_id' ORDER BY a.resource) FROM audit_log a
                        WHERE a.resource_id IN (SELECT c.id::text FROM cases c WHERE c.id = @caseId UNION ALL SELECT c.patient_id::text FROM cases c WHERE c.id = @caseId
                                                UNION ALL SELECT id::text FROM diagnostics WHERE case_id = @caseId UNION ALL SELECT id::text FROM medications WHERE case_id = @caseId
                                                UNION ALL SELECT id::text FROM outcomes WHERE case_id = @caseId)))::text
            """, new { caseId });
        var (viaPost, viaBulk) = (await Rows(posted.Id), await Rows(bulk));
        Assert.Equal(viaPost, viaBulk);
        Assert.Contains("\"note\": null", viaBulk);
        Assert.Contains("\"drugs\": [\"botulinum-toxin-a\", \"carbamazepine\"]", viaBulk);
        Assert.Contains("\"final_outcome_status\": \"resolved\"", viaBulk);
    }
}
