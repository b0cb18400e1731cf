using System.Threading.Channels;
using Npgsql;

namespace Registry.Api.Data;

/// <summary>
/// Group commit of the audit rows of whole-case reads. A read hands its rows here and is answered only when they are
/// committed; meanwhile one writer stores the rows of every read that arrived since its last INSERT in one multi-row
/// INSERT and one commit, instead of an INSERT and a commit per read (about nine reads per INSERT at 32 clients;
/// docs/performance.md, "Group-committed read audits"). At low load a batch holds one read; under load the batches
/// grow by themselves, without a timer.
/// In Data/, beside the connections that hand it out: the foundation names no feature folder, and this names no
/// audit type, only the audit_log table.
/// <para>
/// The writer acts as the system caller (registry_admin, whose INSERT policy on audit_log checks nothing), so each
/// row's key, role and hospital are the stamps of the caller handed in with it, never the writer's. If a batch
/// fails, each read in it is retried alone, so only a read whose own row cannot be stored fails.
/// </para>
/// </summary>
public sealed class ReadAuditQueue
{
    /// <summary>An INSERT takes reads until it holds this many rows (a read's rows stay together); the rest wait for the next.</summary>
    private const int MaxReads = 500;

    private readonly Channel<PendingRead> _queue = Channel.CreateUnbounded<PendingRead>(new() { SingleReader = true });
    private readonly CallerDataSource _system;

    public ReadAuditQueue(NpgsqlDataSource primary)
    {
        _system = new CallerDataSource(primary, Caller.System, this);
        _ = Task.Run(WriteAsync);
    }

    private int _reads;

    /// <summary>
    /// A whole-case read begins; dispose the result when it ends. <see cref="Turn.Alone"/> when no other is in flight:
    /// there is nobody to group with, so the read had better write its own row in the round trip of its SELECTs than
    /// wait for a second one here (measured: p50 0.79 ms with its own row, 1.14 ms through the queue, one client;
    /// docs/performance.md).
    /// </summary>
    public Turn BeginRead() => new(this, Interlocked.Increment(ref _reads) == 1);

    public readonly struct Turn(ReadAuditQueue queue, bool alone) : IDisposable
    {
        public bool Alone => alone;

        public void Dispose() => Interlocked.Decrement(ref queue._reads);
    }

    /// <summary>
    /// Records that <paramref name="caller"/> read these versions of these cases in request
    /// <paramref name="requestId"/>; completes when the rows are committed, and fails if they cannot be.
    /// </summary>
    public Task RecordAsync(Caller caller, string? requestId, IReadOnlyList<(Guid CaseId, int Version)> cases)
    {
        if (cases.Count == 0) return Task.CompletedTask;
        var pending = new PendingRead(caller, requestId, cases, new(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending)) throw new InvalidOperationException("The read audit queue is closed.");
        return pending.Committed.Task;
    }

    private async Task WriteAsync()
    {
        var batch = new List<PendingRead>();
        while (await _queue.Reader.WaitToReadAsync())
        {
            var rows = 0;
            while (rows < MaxReads && _queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
                rows += pending.Cases.Count;
            }
            await CommitAsync(batch);
            batch.Clear();
        }
    }

    private async Task CommitAsync(List<PendingRead> batch)
    {
        try
        {
            await InsertAsync(batch);
            foreach (var pending in batch) pending.Committed.TrySetResult();
        }
        catch (Exception) when (batch.Count > 1)
        {
            foreach (var pending in batch) await CommitAsync([pending]);
        }
        catch (Exception ex)
        {
            batch[0].Committed.TrySetException(ex);
        }
    }

    /// <summary>One INSERT of every row of the batch, committed with synchronous_commit off like every read audit (Audit/CaseReads).</summary>
    private async Task InsertAsync(List<PendingRead> batch)
    {
        var rows = batch.SelectMany(p => p.Cases.Select(c => (p.Caller, p.RequestId, c.CaseId, c.Version))).ToList();
        await using var command = _system.CreateBatch();
        command.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
        command.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL synchronous_commit = off"));
        var insert = new NpgsqlBatchCommand("""
            INSERT INTO audit_log (at, request_id, api_key_id, role, hospital_id, action, resource, resource_id, version_before, version_after)
            SELECT now(), r.request_id, r.api_key_id, r.role, r.hospital_id, 'read', 'case', r.case_id::text, r.version, r.version
            FROM unnest($1::text[], $2::uuid[], $3::text[], $4::uuid[], $5::uuid[], $6::int[])
              AS r(request_id, api_key_id, role, hospital_id, case_id, version)
            """);
        insert.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. rows.Select(r => r.RequestId)] });
        insert.Parameters.Add(new NpgsqlParameter<Guid?[]> { TypedValue = [.. rows.Select(r => r.Caller.KeyId)] });
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.Caller.AuditRole)] });
        insert.Parameters.Add(new NpgsqlParameter<Guid?[]> { TypedValue = [.. rows.Select(r => r.Caller.HospitalId)] });
        insert.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. rows.Select(r => r.CaseId)] });
        insert.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. rows.Select(r => r.Version)] });
        command.BatchCommands.Add(insert);
        command.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        await _system.ExecuteNonQueryAsync(command, CancellationToken.None);
    }

    private sealed record PendingRead(Caller Caller, string? RequestId, IReadOnlyList<(Guid CaseId, int Version)> Cases, TaskCompletionSource Committed);
}
