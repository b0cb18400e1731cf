using Bogus;
using Npgsql;
using NpgsqlTypes;
using Registry.Api.Cases;
using Registry.Api.Diagnostics;
using Registry.Api.Drugs;
using Registry.Api.Medications;
using Registry.Api.Outcomes;
using Registry.Api.Patients;

namespace Registry.Load;

public sealed record SynthMedication(string Drug, string Route, string Form, decimal Amount, string Unit, string Frequency, int StartDay, int? EndDay, string Setting, string Ending);
public sealed record SynthOutcome(int Day, string Method, string Status, string? Scale, int? Score);

/// <summary>One generated case with its patient and children; written by COPY or sent as a JSON document.</summary>
public sealed record SynthCase(
    Guid Id, Guid HospitalId, Guid PatientId, string Pseudonym, string Sex, int? BirthYear, string SourceCaseId, int Age,
    string PresentationDate, string AffectedSide, string Etiology, int? SymptomDurationDays, int FollowUpDays, string[] Regions,
    string[] Triggers, bool PriorPalsy, List<SynthMedication> Medications, List<SynthOutcome> Outcomes, DateTime CreatedAt)
{
    public string[] Drugs => Medications.Select(m => m.Drug).Distinct().Order(StringComparer.Ordinal).ToArray();
    public SynthOutcome? Final => Outcomes.LastOrDefault();
    public int? FirstImprovementDay => Outcomes.Where(o => o.Status is "resolved" or "marked-improvement" or "improved").Select(o => (int?)o.Day).Min();

    public CaseDocument ToDocument() => new(
        null, new InlinePatient(Pseudonym, Enum.Parse<Sex>(Sex, true), BirthYear), HospitalId, SourceCaseId, Age, PresentationDate,
        PresentationDate, null, FollowUpDays, Enum.Parse<AffectedSide>(AffectedSide, true), SymptomDurationDays,
        Regions.Select(r => Registry.Api.Common.KebabEnum.Parse<FacialRegion>(r)).ToList(),
        Triggers.Select(t => Registry.Api.Common.KebabEnum.Parse<Trigger>(t)).ToList(), null, [],
        new HistoryRequest(PriorPalsy, null, null),
        new DiagnosisRequest("Hemifacial spasm", "G51.3", "13753008", Registry.Api.Common.KebabEnum.Parse<Etiology>(Etiology), null),
        [], "SYNTHETIC", [new DiagnosticRequest(DiagnosticKind.NeurologicalExam, 0, DiagnosticResult.Abnormal, ["hemifacial spasm"], null, null)],
        Medications.Select(m => new MedicationRequest(m.Drug, null, Registry.Api.Common.KebabEnum.Parse<Route>(m.Route), m.Form,
            new DoseRequest(m.Amount, m.Unit), m.Frequency, m.StartDay, m.EndDay, Registry.Api.Common.KebabEnum.Parse<Setting>(m.Setting),
            null, [], Registry.Api.Common.KebabEnum.Parse<Ending>(m.Ending))).ToList(),
        Outcomes.Select(o => new OutcomeRequest(o.Day, Registry.Api.Common.KebabEnum.Parse<AssessmentMethod>(o.Method),
            Registry.Api.Common.KebabEnum.Parse<OutcomeStatus>(o.Status),
            o.Scale is null ? null : new SeverityRequest(Registry.Api.Common.KebabEnum.Parse<SeverityScale>(o.Scale), o.Score), null, [], null)).ToList());

    /// <summary>
    /// The rows COPY writes for this case, as entities (each table's column map gives their columns). Without
    /// <paramref name="withSummary"/> the summary columns are left empty: only the summary-authority measurement
    /// does that, for the commit-time triggers that kept them before migration 0044.
    /// </summary>
    public (Patient Patient, Case Case) ToRows(bool withSummary)
    {
        var at = new DateTimeOffset(CreatedAt);
        var patient = new Patient { Id = PatientId, HospitalId = HospitalId, Pseudonym = Pseudonym, Sex = Sex, BirthYear = BirthYear, CreatedAt = at, UpdatedAt = at };
        var row = new Case
        {
            Id = Id, HospitalId = HospitalId, PatientId = PatientId, SourceCaseId = SourceCaseId, AgeAtPresentation = Age,
            PresentationDate = PresentationDate, AdmissionDate = PresentationDate, FollowUpDays = FollowUpDays, AffectedSide = AffectedSide,
            SymptomDurationDays = SymptomDurationDays, AffectedRegions = [.. Regions], Triggers = [.. Triggers], PriorFacialPalsy = PriorPalsy,
            DiagnosisName = "Hemifacial spasm", DiagnosisIcd10 = "G51.3", DiagnosisSnomedCt = "13753008", Etiology = Etiology, Notes = "SYNTHETIC",
            Drugs = withSummary ? [.. Drugs] : [], FinalOutcomeStatus = withSummary ? Final?.Status : null,
            FinalOutcomeDay = withSummary ? Final?.Day : null, FirstImprovementDay = withSummary ? FirstImprovementDay : null,
            CreatedAt = at, UpdatedAt = at,
            Diagnostics =
            [
                new Diagnostic
                {
                    Id = Guid.CreateVersion7(at), CaseId = Id, HospitalId = HospitalId, Kind = "neurological-exam", Day = 0, Result = "abnormal",
                    Findings = ["hemifacial spasm"], CreatedAt = at, UpdatedAt = at,
                },
            ],
            Medications = [.. Medications.Select((m, ordinal) => new Medication
            {
                Id = Guid.CreateVersion7(at), CaseId = Id, HospitalId = HospitalId, Drug = m.Drug, Route = m.Route, Form = m.Form,
                DoseAmount = m.Amount, DoseUnit = m.Unit, Frequency = m.Frequency, StartDay = m.StartDay, EndDay = m.EndDay,
                Setting = m.Setting, Ending = m.Ending, Ordinal = ordinal, CreatedAt = at, UpdatedAt = at,
            })],
            Outcomes = [.. Outcomes.Select((o, ordinal) => new Outcome
            {
                Id = Guid.CreateVersion7(at), CaseId = Id, HospitalId = HospitalId, Day = o.Day, Method = o.Method, Status = o.Status,
                SeverityScale = o.Scale, SeverityScore = o.Score, Ordinal = ordinal, CreatedAt = at, UpdatedAt = at,
            })],
        };
        return (patient, row);
    }
}

/// <summary>
/// Clinically plausible HFS cases. Distributions follow the HFS literature in broad strokes: women ~62%, onset
/// peaking in the fifth and sixth decades, left side slightly more often, neurovascular compression the usual
/// etiology; botulinum toxin A the commonest treatment, anticonvulsants next, with neurotrophic vitamins and
/// hypnotics as add-ons; response rates, onset of improvement and follow-up vary by drug so that analytics by
/// drug and combination differ. Deterministic for a given seed.
/// </summary>
public sealed class SyntheticCases(int seed)
{
    private readonly Random _random = new(seed);

    private static readonly (string Drug, double Weight, double Response, int OnsetDays, string Route, string Form, decimal Amount, string Unit, string Frequency)[] Primary =
    [
        ("botulinum-toxin-a", 45, 0.85, 5, "intramuscular", "injection", 25, "[iU]", "once"),
        ("carbamazepine", 20, 0.55, 14, "oral", "tablet", 200, "mg", "twice daily"),
        ("gabapentin", 12, 0.50, 14, "oral", "capsule", 300, "mg", "three times daily"),
        ("oxcarbazepine", 6, 0.52, 14, "oral", "tablet", 300, "mg", "twice daily"),
        ("clonazepam", 5, 0.45, 10, "oral", "tablet", 0.5m, "mg", "at night"),
        ("baclofen", 4, 0.40, 14, "oral", "tablet", 10, "mg", "three times daily"),
        ("levetiracetam", 2, 0.45, 14, "oral", "tablet", 500, "mg", "twice daily"),
    ];

    private static readonly (string Drug, double Probability, double ResponseBonus, string Form, decimal Amount, string Unit, string Frequency)[] AddOns =
    [
        ("mecobalamin", 0.25, 0.03, "tablet", 0.5m, "mg", "three times daily"),
        ("thiamine", 0.10, 0.02, "tablet", 10, "mg", "three times daily"),
        ("cobalamin", 0.05, 0.02, "injection", 0.5m, "mg", "once daily"),
        ("estazolam", 0.05, 0.0, "tablet", 1, "mg", "at night"),
        ("xuesaitong", 0.03, 0.0, "injection", 400, "mg", "once daily"),
    ];

    private static readonly string[] RegionCodes = ["eyelid", "periocular", "cheek", "mouth-corner", "perioral", "chin", "neck", "forehead"];
    private static readonly string[] TriggerCodes = ["stress", "fatigue", "cold", "facial-expression", "talking", "chewing"];

    public List<(Guid Id, string Name, string City, string Country)> Hospitals(int count)
    {
        var faker = new Faker { Random = new Randomizer(_random.Next()) };
        return Enumerable.Range(0, count)
            .Select(i => (Guid.CreateVersion7(), $"SYNTHETIC {faker.Address.City()} Hospital {i + 1}", faker.Address.City(), faker.Address.Country()))
            .ToList();
    }

    /// <summary>Hospital sizes are skewed (a few large centres, many small ones): Zipf-like weights.</summary>
    public Guid PickHospital(IReadOnlyList<Guid> hospitals)
    {
        var u = _random.NextDouble();
        var index = (int)(hospitals.Count * Math.Pow(u, 2.2));
        return hospitals[Math.Min(index, hospitals.Count - 1)];
    }

    public SynthCase Next(Guid hospitalId, long serial, DateTime createdAt)
    {
        var r = _random;
        var sexRoll = r.NextDouble();
        var sex = sexRoll < 0.62 ? "female" : sexRoll < 0.99 ? "male" : sexRoll < 0.995 ? "other" : "unknown";
        var age = Math.Clamp((int)Math.Round(Normal(52, 12)), 12, 95);
        var year = 2010 + (int)(16 * Math.Sqrt(r.NextDouble())); // more cases in recent years
        var month = r.Next(1, 13);
        var presentation = r.NextDouble() < 0.3 ? $"{year}-{month:00}-{r.Next(1, 29):00}" : $"{year}-{month:00}";
        var sideRoll = r.NextDouble();
        var side = sideRoll < 0.54 ? "left" : sideRoll < 0.98 ? "right" : "bilateral";
        var etiologyRoll = r.NextDouble();
        var etiology = etiologyRoll < 0.70 ? "neurovascular-compression" : etiologyRoll < 0.92 ? "idiopathic"
            : etiologyRoll < 0.97 ? "post-inflammatory" : "secondary-other";
        var followUp = (int)Math.Clamp(Normal(180, 90), 14, 1460);

        var medications = new List<SynthMedication>();
        double response = 0.2; // untreated
        var onset = 30;
        if (r.NextDouble() > 0.06)
        {
            var p = Pick(Primary, x => x.Weight);
            response = p.Response;
            onset = p.OnsetDays;
            medications.Add(new SynthMedication(p.Drug, p.Route, p.Form, p.Amount, p.Unit, p.Frequency, 0, null,
                p.Route == "intramuscular" ? "outpatient" : "both", "ongoing"));
            if (p.Drug != "botulinum-toxin-a" && r.NextDouble() < 0.15) // switched to or combined with botox
            {
                medications.Add(new SynthMedication("botulinum-toxin-a", "intramuscular", "injection", 25, "[iU]", "once", 30, 30, "outpatient", "completed"));
                response = 0.8;
            }
            foreach (var a in AddOns.Where(a => r.NextDouble() < a.Probability))
            {
                medications.Add(new SynthMedication(a.Drug, a.Form == "injection" ? "intravenous" : "oral", a.Form, a.Amount, a.Unit,
                    a.Frequency, 0, 14 + r.Next(0, 60), "both", "completed"));
                response += a.ResponseBonus;
            }
        }
        if (etiology == "secondary-other") response -= 0.15;
        if (age > 70) response -= 0.05;

        var outcomes = new List<SynthOutcome>();
        if (r.NextDouble() > 0.08)
        {
            var assessments = 1 + (r.NextDouble() < 0.6 ? 1 : 0) + (r.NextDouble() < 0.3 ? 1 : 0);
            var better = r.NextDouble() < response;
            var firstDay = Math.Max(1, (int)(onset * Math.Exp(Normal(0, 0.5))));
            var day = Math.Min(firstDay, followUp);
            for (var i = 0; i < assessments; i++)
            {
                var last = i == assessments - 1;
                string status = better
                    ? (last ? PickStatus(["resolved", "marked-improvement", "improved"], [0.35, 0.4, 0.25]) : i == 0 ? "improved" : "marked-improvement")
                    : (last && r.NextDouble() < 0.2 ? "worsened" : "unchanged");
                var score = status switch { "resolved" => 1, "marked-improvement" => 1, "improved" => 2, "unchanged" => 3, _ => 4 };
                outcomes.Add(new SynthOutcome(day, r.NextDouble() < 0.6 ? "in-person" : "phone", status, "smc", score));
                day = Math.Min(followUp, day + 14 + r.Next(0, 90));
                if (day == outcomes[^1].Day) break;
            }
        }

        var birthYear = r.NextDouble() < 0.8 ? year - age : (int?)null;
        return new SynthCase(Guid.CreateVersion7(createdAt), hospitalId, Guid.CreateVersion7(createdAt), $"SYN-{serial:D9}", sex, birthYear,
            $"SYN-CASE-{serial:D9}", age, presentation, side, etiology, r.NextDouble() < 0.7 ? r.Next(30, 3650) : null, followUp,
            RegionCodes.Where((_, i) => i == 0 || r.NextDouble() < 0.25).ToArray(),
            TriggerCodes.Where(_ => r.NextDouble() < 0.3).ToArray(), r.NextDouble() < 0.04, medications, outcomes, createdAt);
    }

    private string PickStatus(string[] values, double[] weights)
    {
        var u = _random.NextDouble();
        for (var i = 0; i < values.Length; i++) { if (u < weights[i]) return values[i]; u -= weights[i]; }
        return values[^1];
    }

    private T Pick<T>(IReadOnlyList<T> items, Func<T, double> weight)
    {
        var u = _random.NextDouble() * items.Sum(weight);
        foreach (var item in items) { if (u < weight(item)) return item; u -= weight(item); }
        return items[^1];
    }

    private double Normal(double mean, double sd) =>
        mean + sd * Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
}
