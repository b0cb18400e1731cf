// Compiled at test time together with the NSwag client generated from /swagger/v1/swagger.json (see
// GeneratedClientTests), not with the test project: the types below exist only in that generated client.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Registry.Generated;

/// <summary>The README's "API tour", step by step, through the generated client. Throws at the first surprise.</summary>
public static class ApiTour
{
    private static readonly Guid Tiantan2019 = Guid.Parse("96779884-1e8a-4081-b248-6f698b027e6e");
    private static readonly Guid Harbin2022 = Guid.Parse("5ab14676-b223-4910-9da2-67bb5a532cc9");
    private static readonly Guid TiantanHospital = Guid.Parse("7428361b-bc8b-44d5-a0a5-f5edc53db9a8");

    public static async Task<IReadOnlyList<string>> RunAsync(HttpClient http)
    {
        var client = new RegistryClient(http);
        var steps = new List<string>();

        var gabapentin = (await client.ListCasesAsync(drug: "gabapentin")).Result;
        var tiantan = gabapentin.Items.SingleOrDefault(c => c.Id == Tiantan2019) ?? throw Fail("GET /cases?drug=gabapentin lacks the Tiantan 2019 case");
        Expect(tiantan is { Sex: Sex.Male, AgeAtPresentation: 47, AffectedSide: AffectedSide.Left, FinalOutcome: { Status: OutcomeStatus.Resolved, Day: 61 } },
            "the Tiantan 2019 summary is male, 47, left, resolved on day 61");
        steps.Add("list with drug filter");

        var whole = (await client.GetCaseAsync(Tiantan2019)).Result;
        Expect(whole.Medications.Any(m => m.AtcCode == "N03AX12") && whole.Diagnostics.Count > 0 && whole.Outcomes.Count > 0,
            "the whole Tiantan case has diagnostics, outcomes and gabapentin with its ATC code");
        var harbin = (await client.GetCaseAsync(Harbin2022)).Result;
        Expect(harbin.Medications.Select(m => m.Drug).Distinct().Count() == 5, "the Harbin 2022 case has five drugs");
        steps.Add("get the seeded cases");

        var byDrug = (await client.OutcomesByDrugAsync(sex: "female")).Result;
        Expect(byDrug.Drugs.Any(d => d.Drug == "carbamazepine" && d.AtcCode == "N03AF01"), "outcomes-by-drug for women lists carbamazepine");
        steps.Add("outcomes-by-drug");

        var vocabulary = (await client.GetVocabularyAsync()).Result;
        Expect(vocabulary.Drugs.Any(d => d.Code == "carbamazepine"), "the vocabulary lists carbamazepine");
        steps.Add("vocabulary");

        var created = await client.CreateCaseAsync(NewCase("carbamazepine", 2), idempotency_Key: Guid.NewGuid().ToString());
        Expect(created.StatusCode == 201 && created.Headers.ContainsKey("Location"), "POST /cases answers 201 with a Location");
        Expect(created.Result.Version == 1 && created.Result.Medications.Single().AtcCode == "N03AF01"
               && created.Result.Outcomes.Single().Severity is { Scale: SeverityScale.Smc, Score: 2 },
            "the created case comes back with its medication's ATC code and its outcome's severity");
        steps.Add("POST a whole case with Idempotency-Key");

        var again = await Catch<ProblemDetails>(() => client.CreateCaseAsync(NewCase("carbamazepine", 2), idempotency_Key: Guid.NewGuid().ToString()));
        Expect(again.StatusCode == 409 && again.Result.Title == "Case already registered.", "re-sending the sourceCaseId is a 409");
        steps.Add("the 409 re-send");

        var invalid = await Catch<HttpValidationProblemDetails>(() => client.CreateCaseAsync(NewCase("carbamazepin", 5, "TT-HFS-2024-0194")));
        Expect(invalid.StatusCode == 400 && invalid.Result.Errors.ContainsKey("medications[0].drug") && invalid.Result.Errors.ContainsKey("outcomes[0].severity.score"),
            "a bad drug code and score are a 400 naming both fields");
        steps.Add("a 400 with bad fields");

        var read = await client.GetCaseAsync(created.Result.Id);
        var etag = read.Headers["ETag"].Single();
        var corrected = NewCase("carbamazepine", 2);
        corrected.FollowUpDays = 90;
        var replaced = await client.ReplaceCaseAsync(created.Result.Id, corrected, if_Match: etag);
        Expect(replaced.Result is { Version: 2, FollowUpDays: 90 }, "a PUT with If-Match stores the correction as version 2");
        var stale = await Catch<ProblemDetails>(() => client.ReplaceCaseAsync(created.Result.Id, corrected, if_Match: etag));
        Expect(stale.StatusCode == 412, "a PUT with the old ETag is a 412");
        steps.Add("a PUT with If-Match");

        var bundle = (await client.GetCaseAsFhirAsync(Tiantan2019)).Result;
        Expect(bundle.Type == FhirBundleType.Collection && bundle.Entry.Count > 0, "the case as FHIR is a collection Bundle");
        steps.Add("the case as a FHIR Bundle");
        return steps;
    }

    /// <summary>The README's POST /cases document.</summary>
    private static CaseDocument NewCase(string drug, int score, string sourceCaseId = "TT-HFS-2024-0193") => new()
    {
        HospitalId = TiantanHospital,
        Patient = new InlinePatient { Pseudonym = "TT-2024-0193", Sex = Sex.Female, BirthYear = 1969 },
        SourceCaseId = sourceCaseId,
        AgeAtPresentation = 55, PresentationDate = "2024-03-18", AffectedSide = AffectedSide.Right,
        AffectedRegions = [FacialRegion.Eyelid, FacialRegion.Cheek], Triggers = [Trigger.Stress],
        History = new HistoryRequest { PriorFacialPalsy = false },
        Diagnosis = new DiagnosisRequest { Name = "Hemifacial spasm", Icd10 = "G51.3", SnomedCt = "13753008", Etiology = Etiology.NeurovascularCompression },
        Medications =
        [
            new MedicationRequest
            {
                Drug = drug, Route = Route.Oral, Form = "tablet", Dose = new DoseRequest { Amount = 100, Unit = "mg" },
                Frequency = "twice daily", StartDay = 0, Setting = Setting.Outpatient,
                Adjustments = [new AdjustmentRequest { Day = 14, Change = DoseChange.Increased, Note = "200 mg twice daily" }],
            },
        ],
        Outcomes =
        [
            new OutcomeRequest { Day = 42, Method = AssessmentMethod.InPerson, Status = OutcomeStatus.Improved, Severity = new SeverityRequest { Scale = SeverityScale.Smc, Score = score } },
        ],
    };

    private static async Task<ApiException<T>> Catch<T>(Func<Task> call)
    {
        try { await call(); }
        catch (ApiException<T> expected) { return expected; }
        throw Fail($"expected an error answer with a {typeof(T).Name} body");
    }

    private static void Expect(bool condition, string what)
    {
        if (!condition) throw Fail(what);
    }

    private static Exception Fail(string what) => new InvalidOperationException($"API tour: not so: {what}");
}

namespace Registry.Generated
{
    public partial class RegistryClient
    {
        // NSwag puts a string-enum converter on enum properties but not on lists of enums (affectedRegions):
        // the client's own settings read those, by the JsonStringEnumMemberName values it generates.
        static partial void UpdateJsonSerializerSettings(System.Text.Json.JsonSerializerOptions settings) =>
            settings.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter());
    }
}
