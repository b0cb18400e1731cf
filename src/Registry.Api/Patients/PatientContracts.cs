using System.Buffers.Text;
using System.ComponentModel;
using System.Text;
using Microsoft.AspNetCore.Mvc;
using Registry.Api.Common;

namespace Registry.Api.Patients;

/// <summary>A patient as a hospital knows them: only its own pseudonymous reference, never a name.</summary>
/// <param name="HospitalId">The hospital the patient belongs to.</param>
/// <param name="Pseudonym">The hospital's pseudonymous reference for the patient; unique within the hospital.</param>
/// <param name="Sex">male, female, other or unknown.</param>
/// <param name="BirthYear">Year of birth, if known (no full birth dates are stored).</param>
public sealed record PatientRequest(Guid? HospitalId, string? Pseudonym, Sex? Sex, int? BirthYear) : ReadOnlyMembers;

/// <summary>A stored patient.</summary>
public sealed record PatientResponse(
    Guid Id, Guid HospitalId, string Pseudonym, Sex Sex, int? BirthYear, int Version,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt) : Common.IVersionedResponse;

/// <summary>One page of patients. Pass <c>nextCursor</c> back as <c>cursor</c> for the next page; null on the last.</summary>
public sealed record PatientPage(List<PatientResponse> Items, string? NextCursor, int Limit);

/// <summary>The query of GET /patients: an optional hospital filter and keyset paging by pseudonym.</summary>
public sealed class PatientListQuery
{
    [FromQuery(Name = "hospitalId"), Description("Only patients of this hospital.")]
    public Guid? HospitalId { get; init; }

    [FromQuery(Name = "limit"), Description("Patients per page, 1–200; 50 when absent.")]
    public int? Limit { get; init; }

    [FromQuery(Name = "cursor"), Description("The nextCursor of the previous page; absent for the first page.")]
    public string? Cursor { get; init; }
}

/// <summary>
/// Where a page of patients ends: the last (pseudonym, id) returned. Opaque to clients (base64url of the
/// id followed by the pseudonym), so the order can change later without breaking them.
/// </summary>
public readonly record struct PatientCursor(string Pseudonym, Guid Id)
{
    /// <summary>Room for the longest cursor: 32 hex digits and a 100-character pseudonym (at most 300 UTF-8 bytes), base64url-encoded.</summary>
    private const int MaxLength = 1000;

    public override string ToString() => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{Id:N}{Pseudonym}"));

    public static bool TryParse(string? text, out PatientCursor cursor)
    {
        cursor = default;
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength) return false;
        try
        {
            var decoded = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text));
            if (decoded.Length <= 32 || !Guid.TryParseExact(decoded[..32], "N", out var id)) return false;
            cursor = new PatientCursor(decoded[32..], id);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

public static class PatientMapping
{
    public static PatientResponse ToResponse(this Patient p) =>
        new(p.Id, p.HospitalId, p.Pseudonym, KebabEnum.Parse<Sex>(p.Sex), p.BirthYear, p.Version, p.CreatedAt, p.UpdatedAt);

    /// <summary>Copies a validated request onto an entity (new or tracked).</summary>
    public static Patient ApplyTo(this PatientRequest request, Patient patient)
    {
        patient.HospitalId = request.HospitalId!.Value;
        patient.Pseudonym = request.Pseudonym!.Trim();
        patient.Sex = request.Sex!.Value.ToCode();
        patient.BirthYear = request.BirthYear;
        return patient;
    }

    public static readonly PatientRequest Example =
        new(Guid.Parse("0195f3a4-7c2e-7d41-9b6a-3f1e2d4c5b6a"), "TT-2019-0417", Sex.Female, 1968);
}
