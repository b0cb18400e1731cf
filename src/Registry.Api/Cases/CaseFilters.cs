using System.ComponentModel;
using System.Data;
using System.Text;
using Dapper;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;
using Registry.Api.Common;
using Registry.Api.Drugs;
using Registry.Api.Outcomes;
using Registry.Api.Patients;

namespace Registry.Api.Cases;

/// <summary>The filters analysts apply to cases; shared by GET /cases and the analytics endpoints.</summary>
public class CaseFilters
{
    [Description("Only cases given this drug (a vocabulary code, e.g. gabapentin).")]
    [FromQuery(Name = "drug")]
    public string? Drug { get; init; }

    [Description("Only cases whose final outcome (latest assessment by day) has this status: resolved, marked-improvement, improved, unchanged or worsened.")]
    [FromQuery(Name = "outcome")]
    public string? Outcome { get; init; }

    [Description("Only patients of this sex: male, female, other or unknown.")]
    [FromQuery(Name = "sex")]
    public string? Sex { get; init; }

    [Description("Only cases with ageAtPresentation at least this (years).")]
    [FromQuery(Name = "minAge")]
    public int? MinAge { get; init; }

    [Description("Only cases with ageAtPresentation at most this (years).")]
    [FromQuery(Name = "maxAge")]
    public int? MaxAge { get; init; }

    [Description("Only cases on this side: left, right or bilateral.")]
    [FromQuery(Name = "side")]
    public string? Side { get; init; }

    [Description("Only cases of this hospital.")]
    [FromQuery(Name = "hospitalId")]
    public Guid? HospitalId { get; init; }

    [Description("Only cases presenting on or after this partial date (2019, 2019-04 or 2019-04-15).")]
    [FromQuery(Name = "from")]
    public string? From { get; init; }

    [Description("Only cases presenting on or before the end of this partial date (2019 means through 2019-12-31).")]
    [FromQuery(Name = "to")]
    public string? To { get; init; }

    /// <summary>
    /// The WHERE clause over <c>cases c</c>, parameterised (every filter reads the case row: sex from the
    /// trigger-kept <c>patient_sex</c>). A case's partial presentation date
    /// counts by its first day: "2019-04" is 2019-04-01, so it falls within from=2019-04 but not from=2019-04-15.
    /// </summary>
    /// <remarks>Which hospitals' cases the caller may see is not its business: row-level security confines every query.</remarks>
    /// <param name="byDrug">False where <c>drug</c> names something else than a filter (the drug a comparison is about).</param>
    public (string Where, DynamicParameters Parameters) ToSql(bool byDrug = true)
    {
        var where = new StringBuilder("TRUE");
        var parameters = new DynamicParameters();
        void Add(string clause, string name, object value, DbType? type = null)
        {
            where.Append(" AND ").Append(clause);
            parameters.Add(name, value, type);
        }

        // cases.drugs (kept by trigger from medications) instead of a medications probe per candidate row.
        if (Drug is not null && byDrug) Add("c.drugs @> ARRAY[@drug]::text[]", "drug", Drug);
        if (Outcome is not null) Add("c.final_outcome_status = @outcome", "outcome", Outcome);
        if (Sex is not null) Add("c.patient_sex = @sex", "sex", Sex);
        if (MinAge is not null) Add("c.age_at_presentation >= @minAge", "minAge", MinAge.Value);
        if (MaxAge is not null) Add("c.age_at_presentation <= @maxAge", "maxAge", MaxAge.Value);
        if (Side is not null) Add("c.affected_side = @side", "side", Side);
        if (HospitalId is not null) Add("c.hospital_id = @hospitalId", "hospitalId", HospitalId.Value);
        if (PartialDate.TryParse(From, out var from)) Add("c.presentation_date_start >= @from", "from", from.Start.ToDateTime(TimeOnly.MinValue), DbType.Date);
        if (PartialDate.TryParse(To, out var to)) Add("c.presentation_date_start <= @to", "to", to.End.ToDateTime(TimeOnly.MinValue), DbType.Date);
        return (where.ToString(), parameters);
    }
}

public sealed class CaseFiltersValidator : AbstractValidator<CaseFilters>
{
    public CaseFiltersValidator(DrugCatalog drugs)
    {
        RuleFor(f => f.Drug).MustAsync(async (code, ct) => code is null || await drugs.IsKnownAsync(code, ct))
            .WithMessage(f => $"Unknown drug code '{f.Drug}'. {DrugCatalog.HowToFindCodes}");
        RuleFor(f => f.Outcome).OneOf<CaseFilters, OutcomeStatus>();
        RuleFor(f => f.Sex).OneOf<CaseFilters, Sex>();
        RuleFor(f => f.Side).OneOf<CaseFilters, AffectedSide>();
        RuleFor(f => f.MinAge).InclusiveBetween(0, 120).WithMessage("Whole years, 0 to 120.");
        RuleFor(f => f.MaxAge).InclusiveBetween(0, 120).WithMessage("Whole years, 0 to 120.");
        RuleFor(f => f.MaxAge).GreaterThanOrEqualTo(f => f.MinAge).When(f => f.MinAge is not null).WithMessage("Must not be below minAge.");
        RuleFor(f => f.From).Must(BeAPartialDate).WithMessage($"A real date written {PartialDate.Format}.");
        RuleFor(f => f.To).Must(BeAPartialDate).WithMessage($"A real date written {PartialDate.Format}.")
            .Must((f, to) => !PartialDate.TryParse(f.From, out var from) || !PartialDate.TryParse(to, out var end) || end.End >= from.Start)
            .WithMessage("Must not be before 'from'.");
    }

    private static bool BeAPartialDate(string? value) => value is null || PartialDate.TryParse(value, out _);
}

internal static class OneOfRule
{
    /// <summary>A query string holding one code of the enum TEnum (query strings do not go through the JSON converter).</summary>
    public static IRuleBuilderOptions<T, string?> OneOf<T, TEnum>(this IRuleBuilder<T, string?> rule) where TEnum : struct, Enum =>
        rule.Must(v => v is null || KebabEnum.TryParse<TEnum>(v, out _))
            .WithMessage($"Use one of: {string.Join(", ", KebabEnum.AllCodes<TEnum>())}.");
}
