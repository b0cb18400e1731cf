using Microsoft.AspNetCore.Hosting;
using Registry.Api.Cases;
using Registry.Api.Diagnostics;
using Registry.Api.Drugs;
using Registry.Api.Hospitals;
using Registry.Api.Medications;
using Registry.Api.Outcomes;
using Registry.Api.Patients;

namespace Registry.Tests.Seeding;

/// <summary>The two documented cases, loaded at start-up, read back through the API fact by fact.</summary>
public sealed class SeedApiTests(RegistryApp app) : ApiTests(app)
{
    private static readonly Guid Tiantan = Guid.Parse("96779884-1e8a-4081-b248-6f698b027e6e");
    private static readonly Guid Harbin = Guid.Parse("5ab14676-b223-4910-9da2-67bb5a532cc9");

    private async Task<CaseResponse> Case(Guid id) =>
        await (await Client.GetAsync($"/api/v1/cases/{id}")).ReadAs<CaseResponse>(HttpStatusCode.OK);

    [Fact]
    public async Task Tiantan_case_carries_every_documented_fact()
    {
        var c = await Case(Tiantan);

        var hospital = await (await Client.GetAsync($"/api/v1/hospitals/{c.HospitalId}")).ReadAs<HospitalResponse>(HttpStatusCode.OK);
        Assert.Equal(("Beijing Tiantan Hospital", "Beijing", "China"), (hospital.Name, hospital.City, hospital.Country));
        var patient = await (await Client.GetAsync($"/api/v1/patients/{c.PatientId}")).ReadAs<PatientResponse>(HttpStatusCode.OK);
        Assert.Equal((Sex.Male, (int?)null), (patient.Sex, patient.BirthYear));
        Assert.Equal((47, "2019-04", "2019-04", 5, 61), (c.AgeAtPresentation, c.PresentationDate, c.AdmissionDate, c.LengthOfStayDays, c.FollowUpDays));
        Assert.Equal(AffectedSide.Left, c.AffectedSide);
        Assert.Equal([FacialRegion.Eyelid, FacialRegion.Cheek, FacialRegion.MouthCorner], c.AffectedRegions);
        Assert.Equal([Trigger.Stress, Trigger.Fatigue], c.Triggers);
        Assert.True(c.History.PriorFacialPalsy);
        Assert.Equal(("G51.3", "13753008", Etiology.PostInflammatory), (c.Diagnosis.Icd10, c.Diagnosis.SnomedCt, c.Diagnosis.Etiology));
        Assert.Equal([SupportiveCare.PsychologicalCounselling, SupportiveCare.LifestyleAdvice], c.SupportiveCare);

        var exam = Assert.Single(c.Diagnostics, d => d.Kind == DiagnosticKind.NeurologicalExam);
        Assert.Equal(DiagnosticResult.Abnormal, exam.Result);
        Assert.Contains(exam.Findings, f => f.Contains("forehead wrinkles"));
        Assert.Contains(exam.Findings, f => f.Contains("orbicularis oculi"));
        Assert.Contains(exam.Findings, f => f.Contains("buccinator"));
        Assert.Contains(exam.Findings, f => f.Contains("sensory function intact"));
        Assert.Equal(DiagnosticResult.Normal, Assert.Single(c.Diagnostics, d => d.Kind == DiagnosticKind.CtHead).Result);
        Assert.Equal(DiagnosticResult.Normal, Assert.Single(c.Diagnostics, d => d.Kind == DiagnosticKind.Eeg).Result);

        Assert.Equal(["cobalamin", "gabapentin", "thiamine"], c.Medications.Select(m => m.Drug).Order());
        Assert.All(c.Medications, m => Assert.Equal((Route.Oral, Setting.Both, Ending.Tapered), (m.Route, m.Setting, m.Ending)));
        var gabapentin = Assert.Single(c.Medications, m => m.Drug == "gabapentin");
        Assert.Equal(("capsule", "N03AX12", "anticonvulsant"), (gabapentin.Form, gabapentin.AtcCode, gabapentin.DrugClass));
        var increase = Assert.Single(gabapentin.Adjustments);
        Assert.Equal((2, DoseChange.Increased), (increase.Day, increase.Change));

        Assert.Equal(
            [(5, AssessmentMethod.InPerson, OutcomeStatus.Improved), (28, AssessmentMethod.Phone, OutcomeStatus.MarkedImprovement),
             (56, AssessmentMethod.Phone, OutcomeStatus.Resolved), (61, AssessmentMethod.Record, OutcomeStatus.Resolved)],
            c.Outcomes.Select(o => (o.Day, o.Method, o.Status)));
        Assert.False(c.Outcomes[^1].Recurrence);
        Assert.Equal(new FinalOutcome(OutcomeStatus.Resolved, 61, 5), c.FinalOutcome);
    }

    [Fact]
    public async Task Harbin_case_carries_every_documented_fact()
    {
        var c = await Case(Harbin);

        var hospital = await (await Client.GetAsync($"/api/v1/hospitals/{c.HospitalId}")).ReadAs<HospitalResponse>(HttpStatusCode.OK);
        Assert.Equal("Second Affiliated Hospital of Harbin Medical University", hospital.Name);
        var patient = await (await Client.GetAsync($"/api/v1/patients/{c.PatientId}")).ReadAs<PatientResponse>(HttpStatusCode.OK);
        Assert.Equal(Sex.Female, patient.Sex);
        Assert.Equal((58, "2022-01", 8, 60), (c.AgeAtPresentation, c.PresentationDate, c.LengthOfStayDays, c.SymptomDurationDays));
        Assert.Equal(AffectedSide.Left, c.AffectedSide);
        Assert.Equal([FacialRegion.MouthCorner, FacialRegion.Perioral], c.AffectedRegions);
        Assert.Equal([Trigger.FacialExpression, Trigger.Stress], c.Triggers);
        Assert.False(c.PresentDuringSleep);
        Assert.Equal(["mouth-tightness", "facial-pain", "headache", "nausea", "vomiting", "sleep-disturbance"], c.AssociatedSymptoms);
        Assert.Equal((true, (int?)12), (c.History.PriorFacialPalsy, c.History.PriorFacialPalsyMonthsBefore));
        Assert.Contains(SupportiveCare.Acupuncture, c.SupportiveCare);
        Assert.Contains(SupportiveCare.NeuromuscularRetraining, c.SupportiveCare);

        var vitals = Assert.Single(c.Diagnostics, d => d.Kind == DiagnosticKind.VitalSigns);
        Assert.Equal(
            [("body-temperature", 36.6m, "Cel"), ("systolic-blood-pressure", 110m, "mm[Hg]"), ("diastolic-blood-pressure", 70m, "mm[Hg]"),
             ("heart-rate", 75m, "/min"), ("respiratory-rate", 17m, "/min")],
            vitals.Measurements.Select(m => (m.Name, m.Value, m.Unit)));
        Assert.Contains("multiple bilateral lacunar infarcts", Assert.Single(c.Diagnostics, d => d.Kind == DiagnosticKind.CtHead).Findings);
        var mri = Assert.Single(c.Diagnostics, d => d.Kind == DiagnosticKind.MriBrain);
        Assert.Equal(DiagnosticResult.Abnormal, mri.Result);
        Assert.Contains("cerebral vascular stenosis", mri.Findings);
        Assert.Equal(DiagnosticResult.Normal, Assert.Single(c.Diagnostics, d => d.Kind == DiagnosticKind.Emg).Result);
        Assert.Equal(DiagnosticResult.Normal, Assert.Single(c.Diagnostics, d => d.Kind == DiagnosticKind.Eeg).Result);
        Assert.Contains(Assert.Single(c.Diagnostics, d => d.Kind == DiagnosticKind.NeurologicalExam).Findings, f => f.Contains("hyperacusis"));

        Assert.Equal(["carbamazepine", "estazolam", "mecobalamin", "thiamine", "xuesaitong"], c.Medications.Select(m => m.Drug).Order());
        Assert.All(c.Medications, m => Assert.Equal(Setting.Inpatient, m.Setting));
        Assert.Equal((Route.Parenteral, "injection", (string?)null),
            Assert.Single(c.Medications, m => m.Drug == "xuesaitong") is var x ? (x.Route, x.Form, x.AtcCode) : default);
        Assert.Equal(Route.Parenteral, Assert.Single(c.Medications, m => m.Drug == "mecobalamin").Route);
        Assert.Equal((Route.Oral, "tablet"), Assert.Single(c.Medications, m => m.Drug == "carbamazepine") is var cbz ? (cbz.Route, cbz.Form) : default);

        var outcome = Assert.Single(c.Outcomes);
        Assert.Equal((8, AssessmentMethod.InPerson, OutcomeStatus.MarkedImprovement), (outcome.Day, outcome.Method, outcome.Status));
        Assert.Contains(outcome.ResidualFindings, f => f.Contains("facial asymmetry"));
    }

    [Fact]
    public async Task Seeds_are_loaded_once_and_a_deleted_seed_case_stays_deleted_across_restarts()
    {
        await (await Client.GetAsync("/health/ready")).ReadAs<object>(HttpStatusCode.OK);
        Assert.Equal(2, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM cases WHERE id IN (@Tiantan, @Harbin)", new { Tiantan, Harbin }));

        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteCurrent($"/api/v1/cases/{Harbin}")).StatusCode);
        await using (var restarted = new RestartedApp(app.ConnectionString))
            await (await restarted.CreateClient().GetAsync("/health/ready")).ReadAs<object>(HttpStatusCode.OK);

        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM cases WHERE id IN (@Tiantan, @Harbin)", new { Tiantan, Harbin }));
        Assert.Equal(2, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM hospitals WHERE name IN ('Beijing Tiantan Hospital', 'Second Affiliated Hospital of Harbin Medical University')"));
        Assert.Equal(2, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM seed_history"));
    }

    /// <summary>A second start of the API against the same database, as after a restart.</summary>
    private sealed class RestartedApp(string connectionString) : Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("ConnectionStrings:Registry", connectionString);
        }
    }
}
