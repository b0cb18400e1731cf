using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;

namespace Registry.Load;

/// <summary>
/// Loads synthetic cases with PostgreSQL COPY (Npgsql's binary importer). Safety: every row hangs off a hospital
/// with <c>synthetic = true</c> whose name starts with "SYNTHETIC"; and it refuses a database holding cases of
/// non-synthetic hospitals (other than the documented seed cases) unless forced.
/// </summary>
public static class Generator
{
    public const int HospitalCount = 200;

    public static async Task EnsureSafeAsync(NpgsqlDataSource db, bool force)
    {
        await using var cmd = db.CreateCommand("""
            SELECT count(*) FROM cases c JOIN hospitals h ON h.id = c.hospital_id
            WHERE NOT h.synthetic AND NOT EXISTS (SELECT 1 FROM seed_history s WHERE s.case_id = c.id)
            """);
        var real = (long)(await cmd.ExecuteScalarAsync())!;
        if (real > 0 && !force)
            throw new InvalidOperationException(
                $"This database holds {real} real (non-synthetic) cases. Synthetic data must not be mixed into a real registry; " +
                "point the generator at a database of its own, or pass --force if you really mean it.");
    }

    /// <summary>Synthetic hospitals already present, else new ones.</summary>
    public static async Task<List<Guid>> HospitalsAsync(NpgsqlDataSource db, SyntheticCases synth)
    {
        var ids = new List<Guid>();
        await using (var cmd = db.CreateCommand("SELECT id FROM hospitals WHERE synthetic ORDER BY id"))
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync()) ids.Add(reader.GetGuid(0));
        if (ids.Count > 0) return ids;

        await using var connection = await db.OpenConnectionAsync();
        await using (var copy = await connection.BeginBinaryImportAsync("COPY hospitals (id, name, city, country, synthetic) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var h in synth.Hospitals(HospitalCount))
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(h.Id, NpgsqlDbType.Uuid);
                await copy.WriteAsync(h.Name, NpgsqlDbType.Text);
                await copy.WriteAsync(h.City, NpgsqlDbType.Text);
                await copy.WriteAsync(h.Country, NpgsqlDbType.Text);
                await copy.WriteAsync(true, NpgsqlDbType.Boolean);
                ids.Add(h.Id);
            }
            await copy.CompleteAsync();
        }
        return ids;
    }

    public static async Task<long> NextSerialAsync(NpgsqlDataSource db)
    {
        await using var cmd = db.CreateCommand("SELECT count(*) FROM cases c JOIN hospitals h ON h.id = c.hospital_id WHERE h.synthetic");
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>Generates and COPYs <paramref name="count"/> cases in chunks (one transaction each); returns the elapsed time.</summary>
    public static async Task<TimeSpan> GenerateAsync(NpgsqlDataSource db, int count, int seed, bool force, Action<string> log, int chunk = 100_000)
    {
        await EnsureSafeAsync(db, force);
        var synth = new SyntheticCases(seed);
        var hospitals = await HospitalsAsync(db, synth);
        var serial = await NextSerialAsync(db);
        var clock = Stopwatch.StartNew();
        var start = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(serial * 30);
        for (var done = 0; done < count; done += chunk)
        {
            var n = Math.Min(chunk, count - done);
            var cases = new List<SynthCase>(n);
            for (var i = 0; i < n; i++, serial++)
                cases.Add(synth.Next(synth.PickHospital(hospitals), serial, start.AddSeconds(30.0 * (serial - 0))));
            await CopyAsync(db, cases, derivedByCopy: true);
            log($"generated {done + n:N0}/{count:N0} cases ({(done + n) / clock.Elapsed.TotalSeconds:N0} cases/s)");
        }
        return clock.Elapsed;
    }

    /// <summary>
    /// COPYs the cases with their patients and children in one transaction. With <paramref name="derivedByCopy"/>
    /// the summary columns (drugs, final outcome) are written by COPY and the row triggers that would recompute
    /// them are disabled for the transaction (they would rewrite every case row once per child row).
    /// </summary>
    public static async Task CopyAsync(NpgsqlDataSource db, IReadOnlyList<SynthCase> cases, bool derivedByCopy)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        if (derivedByCopy)
            await Exec(connection, "ALTER TABLE medications DISABLE TRIGGER medications_refresh_case; ALTER TABLE outcomes DISABLE TRIGGER outcomes_refresh_case");
        if (derivedByCopy) await Exec(connection, VersionTriggers("DISABLE"));

        await using (var copy = await connection.BeginBinaryImportAsync("COPY patients (id, hospital_id, pseudonym, sex, birth_year, created_at, updated_at) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var c in cases)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(c.PatientId, NpgsqlDbType.Uuid);
                await copy.WriteAsync(c.HospitalId, NpgsqlDbType.Uuid);
                await copy.WriteAsync(c.Pseudonym, NpgsqlDbType.Text);
                await copy.WriteAsync(c.Sex, NpgsqlDbType.Text);
                if (c.BirthYear is { } y) await copy.WriteAsync(y, NpgsqlDbType.Integer); else await copy.WriteNullAsync();
                await copy.WriteAsync(c.CreatedAt, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(c.CreatedAt, NpgsqlDbType.TimestampTz);
            }
            await copy.CompleteAsync();
        }
        await using (var copy = await connection.BeginBinaryImportAsync("""
            COPY cases (id, hospital_id, patient_id, source_case_id, age_at_presentation, presentation_date, admission_date,
                        follow_up_days, affected_side, symptom_duration_days, affected_regions, triggers, prior_facial_palsy,
                        diagnosis_name, diagnosis_icd10, diagnosis_snomed_ct, etiology, notes, drugs,
                        final_outcome_status, final_outcome_day, first_improvement_day, created_at, updated_at) FROM STDIN (FORMAT BINARY)
            """))
        {
            foreach (var c in cases)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(c.Id, NpgsqlDbType.Uuid);
                await copy.WriteAsync(c.HospitalId, NpgsqlDbType.Uuid);
                await copy.WriteAsync(c.PatientId, NpgsqlDbType.Uuid);
                await copy.WriteAsync(c.SourceCaseId, NpgsqlDbType.Text);
                await copy.WriteAsync(c.Age, NpgsqlDbType.Integer);
                await copy.WriteAsync(c.PresentationDate, NpgsqlDbType.Text);
                await copy.WriteAsync(c.PresentationDate, NpgsqlDbType.Text);
                await copy.WriteAsync(c.FollowUpDays, NpgsqlDbType.Integer);
                await copy.WriteAsync(c.AffectedSide, NpgsqlDbType.Text);
                if (c.SymptomDurationDays is { } d) await copy.WriteAsync(d, NpgsqlDbType.Integer); else await copy.WriteNullAsync();
                await copy.WriteAsync(c.Regions, NpgsqlDbType.Array | NpgsqlDbType.Text);
                await copy.WriteAsync(c.Triggers, NpgsqlDbType.Array | NpgsqlDbType.Text);
                await copy.WriteAsync(c.PriorPalsy, NpgsqlDbType.Boolean);
                await copy.WriteAsync("Hemifacial spasm", NpgsqlDbType.Text);
                await copy.WriteAsync("G51.3", NpgsqlDbType.Text);
                await copy.WriteAsync("13753008", NpgsqlDbType.Text);
                await copy.WriteAsync(c.Etiology, NpgsqlDbType.Text);
                await copy.WriteAsync("SYNTHETIC", NpgsqlDbType.Text);
                if (derivedByCopy)
                {
                    await copy.WriteAsync(c.Drugs, NpgsqlDbType.Array | NpgsqlDbType.Text);
                    if (c.Final is { } f) { await copy.WriteAsync(f.Status, NpgsqlDbType.Text); await copy.WriteAsync(f.Day, NpgsqlDbType.Integer); }
                    else { await copy.WriteNullAsync(); await copy.WriteNullAsync(); }
                    if (c.FirstImprovementDay is { } fi) await copy.WriteAsync(fi, NpgsqlDbType.Integer); else await copy.WriteNullAsync();
                }
                else
                {
                    await copy.WriteAsync(Array.Empty<string>(), NpgsqlDbType.Array | NpgsqlDbType.Text);
                    await copy.WriteNullAsync(); await copy.WriteNullAsync(); await copy.WriteNullAsync();
                }
                await copy.WriteAsync(c.CreatedAt, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(c.CreatedAt, NpgsqlDbType.TimestampTz);
            }
            await copy.CompleteAsync();
        }
        await using (var copy = await connection.BeginBinaryImportAsync("COPY diagnostics (id, case_id, hospital_id, kind, day, result, findings, ordinal) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var c in cases)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(Guid.CreateVersion7(c.CreatedAt), NpgsqlDbType.Uuid);
                await copy.WriteAsync(c.Id, NpgsqlDbType.Uuid);
                await copy.WriteAsync(c.HospitalId, NpgsqlDbType.Uuid);
                await copy.WriteAsync("neurological-exam", NpgsqlDbType.Text);
                await copy.WriteAsync(0, NpgsqlDbType.Integer);
                await copy.WriteAsync("abnormal", NpgsqlDbType.Text);
                await copy.WriteAsync(new[] { "hemifacial spasm" }, NpgsqlDbType.Array | NpgsqlDbType.Text);
                await copy.WriteAsync(0, NpgsqlDbType.Integer);
            }
            await copy.CompleteAsync();
        }
        await using (var copy = await connection.BeginBinaryImportAsync("""
            COPY medications (id, case_id, hospital_id, drug, route, form, dose_amount, dose_unit, frequency, start_day, end_day, setting, ending, ordinal)
            FROM STDIN (FORMAT BINARY)
            """))
        {
            foreach (var c in cases)
            foreach (var (ordinal, m) in c.Medications.Index())
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(Guid.CreateVersion7(c.CreatedAt), NpgsqlDbType.Uuid);
                await copy.WriteAsync(c.Id, NpgsqlDbType.Uuid);
                await copy.WriteAsync(c.HospitalId, NpgsqlDbType.Uuid);
                await copy.WriteAsync(m.Drug, NpgsqlDbType.Text);
                await copy.WriteAsync(m.Route, NpgsqlDbType.Text);
                await copy.WriteAsync(m.Form, NpgsqlDbType.Text);
                await copy.WriteAsync(m.Amount, NpgsqlDbType.Numeric);
                await copy.WriteAsync(m.Unit, NpgsqlDbType.Text);
                await copy.WriteAsync(m.Frequency, NpgsqlDbType.Text);
                await copy.WriteAsync(m.StartDay, NpgsqlDbType.Integer);
                if (m.EndDay is { } e) await copy.WriteAsync(e, NpgsqlDbType.Integer); else await copy.WriteNullAsync();
                await copy.WriteAsync(m.Setting, NpgsqlDbType.Text);
                await copy.WriteAsync(m.Ending, NpgsqlDbType.Text);
                await copy.WriteAsync(ordinal, NpgsqlDbType.Integer);
            }
            await copy.CompleteAsync();
        }
        await using (var copy = await connection.BeginBinaryImportAsync("COPY outcomes (id, case_id, hospital_id, day, method, status, severity_scale, severity_score, ordinal) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var c in cases)
            foreach (var (ordinal, o) in c.Outcomes.Index())
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(Guid.CreateVersion7(c.CreatedAt), NpgsqlDbType.Uuid);
                await copy.WriteAsync(c.Id, NpgsqlDbType.Uuid);
                await copy.WriteAsync(c.HospitalId, NpgsqlDbType.Uuid);
                await copy.WriteAsync(o.Day, NpgsqlDbType.Integer);
                await copy.WriteAsync(o.Method, NpgsqlDbType.Text);
                await copy.WriteAsync(o.Status, NpgsqlDbType.Text);
                if (o.Scale is { } s) { await copy.WriteAsync(s, NpgsqlDbType.Text); await copy.WriteAsync(o.Score!.Value, NpgsqlDbType.Integer); }
                else { await copy.WriteNullAsync(); await copy.WriteNullAsync(); }
                await copy.WriteAsync(ordinal, NpgsqlDbType.Integer);
            }
            await copy.CompleteAsync();
        }
        if (derivedByCopy)
            await Exec(connection, "ALTER TABLE medications ENABLE TRIGGER medications_refresh_case; ALTER TABLE outcomes ENABLE TRIGGER outcomes_refresh_case");
        if (derivedByCopy) await RecordVersionsAsync(connection, cases);
        await tx.CommitAsync();
    }

    /// <summary>
    /// The history triggers (migration 0032) snapshot each case at commit, one case at a time; a generated chunk
    /// records its first versions in one statement instead, with the triggers off for the transaction.
    /// </summary>
    private static string VersionTriggers(string action) =>
        string.Join("; ", new[] { "cases", "diagnostics", "medications", "outcomes" }.Select(t => $"ALTER TABLE {t} {action} TRIGGER {t}_versioned"));

    private static async Task RecordVersionsAsync(NpgsqlConnection connection, IReadOnlyList<SynthCase> cases)
    {
        await Exec(connection, VersionTriggers("ENABLE"));
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO case_versions (case_id, version, hospital_id, recorded_at, snapshot)
            SELECT c.id, c.version, c.hospital_id, c.updated_at, case_snapshot(c.id) FROM cases c WHERE c.id = ANY($1)
            """, connection) { CommandTimeout = 0, Parameters = { new() { Value = cases.Select(c => c.Id).ToArray() } } };
        await cmd.ExecuteNonQueryAsync();
    }

    public static async Task Exec(NpgsqlConnection connection, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        cmd.CommandTimeout = 0;
        await cmd.ExecuteNonQueryAsync();
    }
}
