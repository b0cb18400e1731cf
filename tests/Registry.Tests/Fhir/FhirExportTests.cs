using System.Text.Json.Nodes;
using Registry.Api.Diagnostics;
using Registry.Api.Security;

namespace Registry.Tests.Fhir;

/// <summary>GET /cases/{id}/fhir: the documented cases as FHIR R4 bundles, checked structurally and fact by fact.</summary>
public sealed class FhirExportTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    public const string Tiantan = "96779884-1e8a-4081-b248-6f698b027e6e";
    public const string Harbin = "5ab14676-b223-4910-9da2-67bb5a532cc9";

    private readonly HttpClient _client = app.CreateClient();

    private async Task<ILookup<string, JsonElement>> Export(string id, string type = "collection")
    {
        var bundle = await (await _client.GetAsync($"/api/v1/cases/{id}/fhir?bundleType={type}")).ReadFhir(HttpStatusCode.OK);
        return FhirAssert.ValidBundle(bundle, type);
    }

    [Theory]
    [InlineData(Tiantan, "collection")]
    [InlineData(Tiantan, "transaction")]
    [InlineData(Harbin, "collection")]
    [InlineData(Harbin, "transaction")]
    public async Task Documented_cases_export_as_valid_bundles(string id, string type) => await Export(id, type);

    [Theory]
    [InlineData(Tiantan, "collection")]
    [InlineData(Tiantan, "transaction")]
    [InlineData(Harbin, "collection")]
    [InlineData(Harbin, "transaction")]
    public async Task Documented_cases_pass_the_fhir_validator_with_no_errors(string id, string type) =>
        FhirValidation.AssertValid(await _client.GetStringAsync($"/api/v1/cases/{id}/fhir?bundleType={type}"));

    /// <summary>The validator is no formality: it catches a broken profile claim and a registry extension of the wrong type.</summary>
    [Fact]
    public async Task Validator_reports_a_vital_sign_claiming_its_profile_without_a_day_and_a_day_offset_that_is_not_an_integer()
    {
        var bundle = JsonNode.Parse(await _client.GetStringAsync($"/api/v1/cases/{Harbin}/fhir"))!;
        var resources = bundle["entry"]!.AsArray().Select(e => e!["resource"]!.AsObject()).ToList();
        var vital = resources.First(r => r["category"]?[0]?["coding"]?[0]?["code"]?.GetValue<string>() == "vital-signs");
        vital["meta"] = new JsonObject { ["profile"] = new JsonArray("http://hl7.org/fhir/StructureDefinition/vitalsigns") };
        var report = resources.First(r => (string)r["resourceType"]! == "DiagnosticReport" && r["extension"] is not null);
        report["extension"]![0] = new JsonObject { ["url"] = "https://hfs-registry.example/fhir/StructureDefinition/day-offset", ["valueString"] = "2" };

        var errors = FhirValidation.Errors(bundle.ToJsonString());

        Assert.Contains(errors, e => e.Contains("vs-1"));
        Assert.Contains(errors, e => e.StartsWith($"Bundle.entry[{resources.IndexOf(report)}].resource") && e.Contains("extension"));
    }

    [Fact]
    public async Task Tiantan_bundle_carries_patient_encounter_condition_and_drugs()
    {
        var r = await Export(Tiantan);

        var patient = Assert.Single(r["Patient"]);
        Assert.Equal("male", patient.GetProperty("gender").GetString());
        Assert.Equal("tiantan-2019-04-hfs-m47", patient.GetProperty("identifier")[0].GetProperty("value").GetString());
        Assert.EndsWith("/pseudonym", patient.GetProperty("identifier")[0].GetProperty("system").GetString());
        Assert.Equal("Beijing Tiantan Hospital", Assert.Single(r["Organization"]).GetProperty("name").GetString());

        var encounter = Assert.Single(r["Encounter"]);
        Assert.Equal("IMP", encounter.GetProperty("class").GetProperty("code").GetString());
        Assert.Equal("2019-04", encounter.GetProperty("period").GetProperty("start").GetString());
        Assert.False(encounter.GetProperty("period").TryGetProperty("end", out _), "month-precision admission: no end day is invented");
        Assert.Equal(5, encounter.GetProperty("length").GetProperty("value").GetInt32());
        Assert.Equal("d", encounter.GetProperty("length").GetProperty("code").GetString());

        var hfs = Assert.Single(r["Condition"], c => FhirAssert.Codes(c, "code", FhirAssert.Snomed).Any());
        Assert.Equal(["13753008"], FhirAssert.Codes(hfs, "code", FhirAssert.Snomed));
        Assert.Equal(["G51.3"], FhirAssert.Codes(hfs, "code", FhirAssert.Icd10));
        Assert.Equal("2019-04", hfs.GetProperty("recordedDate").GetString());
        Assert.Equal(["eyelid", "cheek", "mouth-corner"], hfs.GetProperty("bodySite").EnumerateArray().Select(b => b.GetProperty("text").GetString()));
        Assert.Contains("7771000", FhirAssert.Codings(hfs).Select(c => c.GetProperty("code").GetString())); // SNOMED CT left
        var prior = Assert.Single(r["Condition"], c => c.GetProperty("code").GetProperty("coding")[0].GetProperty("code").GetString() == "prior-facial-palsy");
        Assert.Equal("confirmed", prior.GetProperty("verificationStatus").GetProperty("coding")[0].GetProperty("code").GetString());

        Assert.Equal(3, r["DiagnosticReport"].Count());
        Assert.Contains(r["DiagnosticReport"], d => d.GetProperty("conclusion").GetString()!.Contains("no structural brain abnormality", StringComparison.OrdinalIgnoreCase));

        var atc = r["Medication"].SelectMany(m => FhirAssert.Codes(m, "code", FhirAssert.Atc)).Order().ToList();
        Assert.Equal(["A11DA01", "B03BA", "N03AX12"], atc);
        var statements = r["MedicationStatement"].ToList();
        Assert.Equal(3, statements.Count);
        Assert.All(statements, s =>
        {
            Assert.Equal("completed", s.GetProperty("status").GetString());
            Assert.Contains("26643006", FhirAssert.Codes(s.GetProperty("dosage")[0], "route", FhirAssert.Snomed));
            Assert.False(string.IsNullOrEmpty(s.GetProperty("dosage")[0].GetProperty("text").GetString()));
        });
        Assert.Contains(statements, s => s.GetProperty("dosage")[0].GetProperty("text").GetString()!.Contains("day 2: increased"));

        var outcomes = r["Observation"].Where(o => o.GetProperty("code").GetProperty("coding")[0].GetProperty("code").GetString() == "hfs-outcome").ToList();
        Assert.Equal(4, outcomes.Count);
    }

    private static bool IsVitalSign(JsonElement observation) =>
        observation.GetProperty("category").EnumerateArray().SelectMany(c => c.GetProperty("coding").EnumerateArray())
            .Any(c => c.GetProperty("code").GetString() == "vital-signs");

    private static bool ClaimsVitalSignsProfile(JsonElement resource) =>
        resource.TryGetProperty("meta", out var meta)
        && meta.GetProperty("profile").EnumerateArray().Any(p => p.GetString() == "http://hl7.org/fhir/StructureDefinition/vitalsigns");

    [Fact]
    public async Task Harbin_vital_signs_known_only_to_the_month_carry_loinc_codes_but_claim_no_vital_signs_profile()
    {
        var r = await Export(Harbin);

        var vitals = r["Observation"].Where(IsVitalSign).ToList();
        Assert.Equal(["8310-5", "85354-9", "8867-4", "9279-1"], vitals.Select(v => FhirAssert.Codes(v, "code", FhirAssert.Loinc).Single()));
        Assert.All(vitals, v => Assert.Equal("2022-01", v.GetProperty("effectiveDateTime").GetString()));
        // vs-1: the profile wants the date to the day at least; January 2022 is not.
        Assert.DoesNotContain(r.SelectMany(g => g), ClaimsVitalSignsProfile);
        var temperature = vitals[0].GetProperty("valueQuantity");
        Assert.Equal((36.6m, "Cel", FhirAssert.Ucum), (temperature.GetProperty("value").GetDecimal(), temperature.GetProperty("code").GetString(), temperature.GetProperty("system").GetString()));
        var bp = vitals[1].GetProperty("component").EnumerateArray().ToList();
        Assert.Equal(["8480-6", "8462-4"], bp.Select(c => FhirAssert.Codes(c, "code", FhirAssert.Loinc).Single()));
        Assert.Equal([110m, 70m], bp.Select(c => c.GetProperty("valueQuantity").GetProperty("value").GetDecimal()));
        Assert.All(bp, c => Assert.Equal("mm[Hg]", c.GetProperty("valueQuantity").GetProperty("code").GetString()));
        Assert.Equal("/min", vitals[2].GetProperty("valueQuantity").GetProperty("code").GetString());

        Assert.Equal(6, r["DiagnosticReport"].Count());
        var xuesaitong = Assert.Single(r["Medication"], m => m.GetProperty("code").GetProperty("text").GetString() == "Xuesaitong injection");
        Assert.Empty(FhirAssert.Codes(xuesaitong, "code", FhirAssert.Atc));
        Assert.Contains(r["Medication"], m => FhirAssert.Codes(m, "code", FhirAssert.Atc).Contains("N03AF01"));
        Assert.All(r["MedicationStatement"], s => Assert.Equal("unknown", s.GetProperty("status").GetString()));

        var prior = Assert.Single(r["Condition"], c => c.GetProperty("code").GetProperty("coding")[0].GetProperty("code").GetString() == "prior-facial-palsy");
        Assert.Equal("2021-01", prior.GetProperty("onsetDateTime").GetString()); // 12 months before January 2022
    }

    [Fact]
    public async Task Vital_signs_dated_to_the_day_in_vital_sign_units_claim_the_vital_signs_profile_and_only_those()
    {
        var document = CaseDocuments.Document(KeyBootstrap.TiantanHospital,
            pseudonym: $"VITALS-{Guid.NewGuid():N}", presentation: "2022-01-10") with
        {
            Diagnostics =
            [
                new(DiagnosticKind.VitalSigns, 2, DiagnosticResult.Normal, [], null,
                [
                    new MeasurementRequest("body-temperature", 36.5m, "Cel"),
                    new MeasurementRequest("systolic-blood-pressure", 120m, "mm[Hg]"),
                    new MeasurementRequest("diastolic-blood-pressure", 80m, "mm[Hg]"),
                    new MeasurementRequest("respiratory-rate", 17m, "{breaths}/min"),
                ]),
                new(DiagnosticKind.VitalSigns, null, DiagnosticResult.Normal, [], null, [new MeasurementRequest("heart-rate", 75m, "/min")]),
            ],
        };
        var created = await _client.CreateCaseAsync(document);

        var r = await Export(created.Id.ToString());

        var claiming = r["Observation"].Where(ClaimsVitalSignsProfile).ToList();
        Assert.Equal(["8310-5", "85354-9"], claiming.Select(v => FhirAssert.Codes(v, "code", FhirAssert.Loinc).Single()));
        Assert.All(claiming, v => Assert.Equal("2022-01-12", v.GetProperty("effectiveDateTime").GetString()));
        var notClaiming = r["Observation"].Where(o => IsVitalSign(o) && !ClaimsVitalSignsProfile(o)).ToList();
        Assert.Equal(["9279-1", "8867-4"], notClaiming.Select(v => FhirAssert.Codes(v, "code", FhirAssert.Loinc).Single())); // unit outside the profile's; no date
    }

    [Fact]
    public async Task Unknown_case_is_a_404_operation_outcome()
    {
        await (await _client.GetAsync($"/api/v1/cases/{Guid.NewGuid()}/fhir")).ReadOutcome(HttpStatusCode.NotFound, "");
    }

    [Fact]
    public async Task Unknown_bundle_type_is_a_400_operation_outcome()
    {
        await (await _client.GetAsync($"/api/v1/cases/{Tiantan}/fhir?bundleType=document")).ReadOutcome(HttpStatusCode.BadRequest, "bundleType");
    }

    [Fact]
    public async Task Exporting_twice_gives_the_same_bundle()
    {
        var first = await _client.GetStringAsync($"/api/v1/cases/{Harbin}/fhir");
        var second = await _client.GetStringAsync($"/api/v1/cases/{Harbin}/fhir");
        Assert.Equal(first, second);
    }
}
