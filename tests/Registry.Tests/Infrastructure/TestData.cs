namespace Registry.Tests.Infrastructure;

/// <summary>The ids of a hospital, patient and case inserted for a test.</summary>
public sealed record TestCase(Guid HospitalId, Guid PatientId, Guid CaseId);

/// <summary>
/// Rows inserted straight into the database, so a test of one feature does not depend on another feature's
/// endpoints working. Every call makes new rows with fresh ids; tests never share them.
/// </summary>
public static class TestData
{
    public static async Task<Guid> InsertHospitalAsync(this RegistryApp app, string name = "Beijing Tiantan Hospital")
    {
        var id = Guid.NewGuid();
        await app.ExecuteAsync("INSERT INTO hospitals (id, name, city, country) VALUES (@id, @name, 'Beijing', 'China')",
            new { id, name });
        return id;
    }

    public static async Task<Guid> InsertPatientAsync(this RegistryApp app, Guid hospitalId, string sex = "male", int? birthYear = 1972)
    {
        var id = Guid.NewGuid();
        await app.ExecuteAsync("""
            INSERT INTO patients (id, hospital_id, pseudonym, sex, birth_year)
            VALUES (@id, @hospitalId, @pseudonym, @sex, @birthYear)
            """, new { id, hospitalId, pseudonym = $"P-{id:N}"[..14], sex, birthYear });
        return id;
    }

    /// <summary>A case shaped like seed case 1 (47-year-old man, Beijing, April 2019), in a new hospital and patient.</summary>
    public static async Task<TestCase> InsertCaseAsync(this RegistryApp app)
    {
        var hospitalId = await app.InsertHospitalAsync();
        var patientId = await app.InsertPatientAsync(hospitalId);
        return new TestCase(hospitalId, patientId, await app.InsertCaseAsync(hospitalId, patientId));
    }

    /// <summary>A case of an existing patient (who must belong to <paramref name="hospitalId"/>).</summary>
    public static async Task<Guid> InsertCaseAsync(this RegistryApp app, Guid hospitalId, Guid patientId,
        int ageAtPresentation = 47, string presentationDate = "2019-04", string affectedSide = "left")
    {
        var id = Guid.NewGuid();
        await app.ExecuteAsync("""
            INSERT INTO cases (id, hospital_id, patient_id, age_at_presentation, presentation_date, affected_side,
                               prior_facial_palsy, diagnosis_name, diagnosis_icd10, etiology)
            VALUES (@id, @hospitalId, @patientId, @ageAtPresentation, @presentationDate, @affectedSide,
                    true, 'Hemifacial spasm', 'G51.3', 'post-inflammatory')
            """, new { id, hospitalId, patientId, ageAtPresentation, presentationDate, affectedSide });
        return id;
    }
}
