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

    /// <summary>The writer's INSERT, prepared on the writer's own connection; null until the first batch and after a failure.</summary>
    private NpgsqlCommand? _insert;

    /// <summary>
    /// Up to this many whole-case reads in flight, each writes its own audit row in the round trip of its SELECTs;
    /// beyond it, reads are group-committed here. Measured on 2 cores against the build before the queue (wrk,
    /// GET /cases/{id}): with the queue for every read but a lone one, 8 clients answered 0.7–0.8× of the old build's
    /// reads (a second round trip and a second backend's wake-up per read, batches of about two); with their own row
    /// up to 8 in flight, 0.84–0.89× (what is left is row-level security's caller call), and 32 clients stay where the
    /// queue put them (docs/performance.md, "Read audits: own row up to 8 in flight").
    /// </summary>
    private const int OwnRowsUpTo = 8;

    /// <summary>A whole-case read begins; dispose the result when it ends.</summary>
    public Turn BeginRead() => new(this, Interlocked.Increment(ref _reads) <= OwnRowsUpTo);

    public readonly struct Turn(ReadAuditQueue queue, bool writesOwnRow) : IDisposable
    {
        /// <summary>Few reads are in flight: this one had better write its own audit row than wait for a batch here.</summary>
        public bool WritesOwnRow => writesOwnRow;

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

    /// <summary>
    /// One INSERT of every row of the batch, committed on its own (autocommit) with synchronous_commit off like every
    /// read audit (Audit/CaseReads). On the writer's own connection, which keeps its caller and its prepared INSERT:
    /// taking a pooled one per batch cost a caller call and the pool's reset each time, about 0.05 ms of PostgreSQL's
    /// time beside the INSERT's 0.09–0.12 ms (docs/performance.md, "Read audits: own row up to 8 in flight").
    /// </summary>
    private async Task InsertAsync(List<PendingRead> batch)
    {
        var rows = batch.SelectMany(p => p.Cases.Select(c => (p.Caller, p.RequestId, c.CaseId, c.Version))).ToList();
        var held = _insert is not null;
        try
        {
            await ExecuteInsertAsync(rows);
        }
        catch (NpgsqlException ex) when (held && CallerSettings.EndedByServer(ex))
        {
            // The server ended the held connection while it sat idle (a restart, pg_terminate_backend): it said so
            // before the INSERT ran, so the rows are stored once more on a new connection, not twice.
            await ExecuteInsertAsync(rows);
        }
    }

    private async Task ExecuteInsertAsync(List<(Caller Caller, string? RequestId, Guid CaseId, int Version)> rows)
    {
        try
        {
            var insert = _insert ??= await PrepareInsertAsync();
            ((NpgsqlParameter<string?[]>)insert.Parameters[0]).TypedValue = [.. rows.Select(r => r.RequestId)];
            ((NpgsqlParameter<Guid?[]>)insert.Parameters[1]).TypedValue = [.. rows.Select(r => r.Caller.KeyId)];
            ((NpgsqlParameter<string[]>)insert.Parameters[2]).TypedValue = [.. rows.Select(r => r.Caller.AuditRole)];
            ((NpgsqlParameter<Guid?[]>)insert.Parameters[3]).TypedValue = [.. rows.Select(r => r.Caller.HospitalId)];
            ((NpgsqlParameter<Guid[]>)insert.Parameters[4]).TypedValue = [.. rows.Select(r => r.CaseId)];
            ((NpgsqlParameter<int[]>)insert.Parameters[5]).TypedValue = [.. rows.Select(r => r.Version)];
            await insert.ExecuteNonQueryAsync();
        }
        catch
        {
            // A broken or demoted server (a restart, a failover) ends the connection's use: the next batch opens a new one.
            await CloseWriterAsync();
            throw;
        }
    }

    private const string InsertSql = """
        INSERT INTO audit_log (at, request_id, api_key_id, role, hospital_id, action, resource, resource_id, version_before, version_after)
        SELECT now(), r.request_id, r.api_key_id, r.role, r.hospital_id, 'read', 'case', r.case_id::text, r.version, r.version
        FROM unnest($1::text[], $2::uuid[], $3::text[], $4::uuid[], $5::uuid[], $6::int[])
          AS r(request_id, api_key_id, role, hospital_id, case_id, version)
        """;

    private async Task<NpgsqlCommand> PrepareInsertAsync()
    {
        var connection = await _system.OpenConnectionAsync(CancellationToken.None);
        try
        {
            await using (var settings = new NpgsqlCommand("SET synchronous_commit = off", connection)) await settings.ExecuteNonQueryAsync();
            var insert = new NpgsqlCommand(InsertSql, connection)
            {
                Parameters =
                {
                    new NpgsqlParameter<string?[]>(), new NpgsqlParameter<Guid?[]>(), new NpgsqlParameter<string[]>(),
                    new NpgsqlParameter<Guid?[]>(), new NpgsqlParameter<Guid[]>(), new NpgsqlParameter<int[]>(),
                },
            };
            await insert.PrepareAsync();
            return insert;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private async Task CloseWriterAsync()
    {
        if (_insert is null) return;
        var connection = _insert.Connection;
        await _insert.DisposeAsync();
        _insert = null;
        if (connection is not null) await connection.DisposeAsync();
    }

    private sealed record PendingRead(Caller Caller, string? RequestId, IReadOnlyList<(Guid CaseId, int Version)> Cases, TaskCompletionSource Committed);
}
