namespace Registry.Api.Fhir.BulkData;

/// <summary>Wakes this instance's worker when a job is kicked off here, instead of at its next poll.</summary>
public sealed class BulkExportSignal
{
    private readonly SemaphoreSlim _pending = new(0, 1);

    public void JobQueued()
    {
        if (_pending.CurrentCount == 0) try { _pending.Release(); } catch (SemaphoreFullException) { }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _pending.WaitAsync(timeout, ct);
}

/// <summary>
/// Runs export jobs on every API instance: each claims the oldest waiting job with FOR UPDATE SKIP LOCKED (so
/// instances never take the same one), records the matching cases and their counts, and marks it complete. It
/// polls every few seconds for jobs kicked off elsewhere, or left running by an instance that died.
/// </summary>
public sealed class BulkExportWorker(BulkExportJobs jobs, BulkExportSignal signal, ILogger<BulkExportWorker> logger) : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastCleanup = DateTime.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (DateTime.UtcNow - lastCleanup > TimeSpan.FromMinutes(10))
                {
                    await jobs.DeleteExpiredAsync(stoppingToken);
                    lastCleanup = DateTime.UtcNow;
                }
                while (await jobs.ClaimAsync(stoppingToken) is { } job) await RunAsync(job, stoppingToken);
                await signal.WaitAsync(Poll, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database may be restarting: the job stays claimed until its lease runs out, then any instance retries it.
                logger.LogWarning("Bulk export worker could not reach the database ({Message}); retrying", ex.Message);
                await Task.Delay(Poll, stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
            }
        }
    }

    private async Task RunAsync(BulkExportJob job, CancellationToken ct)
    {
        try
        {
            await jobs.SnapshotAsync(job, ct);
        }
        catch (Npgsql.PostgresException ex) when (!ex.IsTransient)
        {
            logger.LogError(ex, "Bulk export job {JobId} failed", job.Id);
            await jobs.FailAsync(job.Id, "The export failed; start a new one.", ct);
        }
    }
}
