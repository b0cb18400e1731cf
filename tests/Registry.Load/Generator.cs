using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using Registry.Api.Bulk;

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
    /// the summary columns (drugs, final outcome) are written by COPY, and the history triggers that would recompute
    /// them and snapshot each case are disabled for the transaction (the versions are recorded in one statement).
    /// </summary>
    public static async Task CopyAsync(NpgsqlDataSource db, IReadOnlyList<SynthCase> cases, bool derivedByCopy)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        if (derivedByCopy) await Exec(connection, VersionTriggers("DISABLE"));

        var rows = cases.Select(c => c.ToRows(withSummary: derivedByCopy)).ToList();
        await ChunkCopy.WriteAsync(connection, [.. rows.Select(r => r.Patient)], [.. rows.Select(r => r.Case)], audit: []);
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
