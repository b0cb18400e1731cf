using System.Text.Json;
using FluentValidation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Registry.Api.Cases;
using Registry.Api.Data;
using Registry.Api.Hospitals;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Registry.Api.Seeding;

/// <summary>One file in seeds/: a hospital, and a whole case document stored under a fixed id.</summary>
public sealed record SeedFile(SeedHospital? Hospital, Guid? CaseId, CaseDocument? Case);

public sealed record SeedHospital(Guid? Id, string? Name, string? City, string? Country);

/// <summary>
/// Loads the documented cases in seeds/*.json at start-up: each hospital if its id is absent, each case if its
/// fixed id was never loaded (seed_history), so restarts never duplicate them and a seed case deleted on purpose
/// stays deleted. A session-level advisory lock on a dedicated connection
/// makes instances starting together take turns. An invalid seed stops the start-up: seeds must be valid.
/// </summary>
public sealed class SeedLoader(
    RegistryDb db,
    CaseWriter writer,
    [FromKeyedServices(RegistryDataSources.Session)] NpgsqlDataSource dataSource,
    IServiceProvider services,
    IOptions<JsonOptions> jsonOptions,
    ILogger<SeedLoader> logger)
{
    private const long LockKey = 0x4846_5353_6564; // "HFSSed"; the migrator uses its own key

    public static string SeedDirectory => Path.Combine(AppContext.BaseDirectory, "seeds");

    public async Task LoadAsync(CancellationToken ct)
    {
        var files = Directory.Exists(SeedDirectory)
            ? Directory.GetFiles(SeedDirectory, "*.json").Order(StringComparer.Ordinal).ToArray()
            : [];
        if (files.Length == 0)
        {
            logger.LogWarning("No seed files in {Directory}; nothing to load", SeedDirectory);
            return;
        }

        // Held for the whole load; released by unlock, or by PostgreSQL if the connection drops.
        await using var lockConnection = await dataSource.OpenConnectionAsync(ct);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", lockConnection))
        {
            take.Parameters.AddWithValue("key", LockKey);
            await take.ExecuteNonQueryAsync(ct);
        }
        try
        {
            foreach (var file in files)
                await LoadFileAsync(file, ct);
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", lockConnection);
            release.Parameters.AddWithValue("key", LockKey);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private async Task LoadFileAsync(string file, CancellationToken ct)
    {
        var name = Path.GetFileName(file);
        var seed = await ReadAsync(file, ct);
        var (hospital, caseId, document) = (seed.Hospital!, seed.CaseId!.Value, seed.Case!);

        if (!await db.Hospitals.AnyAsync(h => h.Id == hospital.Id, ct))
        {
            db.Hospitals.Add(new Hospital { Id = hospital.Id!.Value, Name = hospital.Name!, City = hospital.City, Country = hospital.Country });
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
            logger.LogInformation("Seed {File}: added hospital {HospitalId} ({Name})", name, hospital.Id, hospital.Name);
        }

        if (await AlreadyLoadedAsync(caseId, ct))
        {
            logger.LogInformation("Seed {File}: case {CaseId} was loaded before; skipped", name, caseId);
            return;
        }
        if (await db.Cases.AnyAsync(c => c.Id == caseId, ct))
        {
            await RecordLoadedAsync(caseId, name, ct);
            logger.LogInformation("Seed {File}: case {CaseId} already present; skipped", name, caseId);
            return;
        }

        var validation = await services.GetRequiredService<IValidator<CaseDocument>>().ValidateAsync(document, ct);
        if (!validation.IsValid)
            throw Invalid(name, validation.Errors.Select(e => $"{e.PropertyName}: {e.ErrorMessage}"));

        switch (await writer.CreateAsync(document, caseId, ct))
        {
            case CaseWriteResult.Created created:
                await RecordLoadedAsync(created.Id, name, ct);
                logger.LogInformation("Seed {File}: loaded case {CaseId} ({SourceCaseId})", name, created.Id, document.SourceCaseId);
                break;
            case CaseWriteResult.Invalid invalid:
                throw Invalid(name, invalid.Errors.SelectMany(e => e.Value.Select(message => $"{e.Key}: {message}")));
            case CaseWriteResult.Duplicate duplicate:
                // The hospital already holds this sourceCaseId under another id (someone posted it by hand):
                // the case is in the registry, so storing it again would be the duplicate the seeds must never make.
                logger.LogWarning(
                    "Seed {File}: hospital {HospitalId} already holds source case {SourceCaseId} as case {ExistingId}; not loaded again",
                    name, hospital.Id, document.SourceCaseId, duplicate.ExistingId);
                break;
            case var other:
                throw new InvalidOperationException($"Seed {name}: storing the case answered {other}.");
        }
    }

    private Task<bool> AlreadyLoadedAsync(Guid caseId, CancellationToken ct) =>
        db.Database.SqlQuery<bool>($"SELECT EXISTS (SELECT 1 FROM seed_history WHERE case_id = {caseId}) AS \"Value\"").SingleAsync(ct);

    private Task RecordLoadedAsync(Guid caseId, string file, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"INSERT INTO seed_history (case_id, file) VALUES ({caseId}, {file}) ON CONFLICT DO NOTHING", ct);

    private async Task<SeedFile> ReadAsync(string file, CancellationToken ct)
    {
        var name = Path.GetFileName(file);
        SeedFile? seed;
        try
        {
            await using var stream = File.OpenRead(file);
            seed = await JsonSerializer.DeserializeAsync<SeedFile>(stream, jsonOptions.Value.SerializerOptions, ct);
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"Seed {name} is not a valid seed file: {ex.Message}", ex);
        }

        var missing = new List<string>();
        if (seed?.Hospital?.Id is null) missing.Add("hospital.id");
        if (string.IsNullOrWhiteSpace(seed?.Hospital?.Name)) missing.Add("hospital.name");
        if (seed?.CaseId is null) missing.Add("caseId");
        if (seed?.Case is null) missing.Add("case");
        if (missing.Count > 0) throw Invalid(name, missing.Select(path => $"{path}: Required."));
        if (seed!.Case!.HospitalId != seed.Hospital!.Id)
            throw Invalid(name, ["case.hospitalId: Must equal hospital.id."]);
        return seed;
    }

    private static InvalidOperationException Invalid(string file, IEnumerable<string> errors) =>
        new($"Seed {file} is invalid; fix the file (seeds must be valid):{Environment.NewLine}  " +
            string.Join(Environment.NewLine + "  ", errors));
}
