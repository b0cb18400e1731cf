using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Registry.Api.Data;

/// <summary>
/// One table's columns, each with its PostgreSQL type and how its value is read from and written to the entity:
/// the one list that the binary COPY writers (bulk ingest, the load generator) and the whole-case reader follow, so
/// a new column is its migration plus one line in <see cref="Tables"/>. ColumnMapTests checks each map against the
/// live table's columns.
/// </summary>
public sealed class ColumnMap<T>(string table, Func<T> create, IReadOnlyList<ColumnMap<T>.Column> columns, params string[] filledByDatabase)
{
    public string Table => table;
    public IReadOnlyList<Column> Columns => columns;

    /// <summary>Columns the database fills itself (an identity, a generated column, a trigger's), which the map neither writes nor reads.</summary>
    public IReadOnlyList<string> FilledByDatabase => filledByDatabase;

    /// <summary>The column list, comma-separated, in the map's order: what SELECT and COPY name, and the readers' ordinals.</summary>
    public string ColumnList { get; } = string.Join(", ", columns.Select(c => c.Name));

    /// <param name="into">Another table of these columns to copy into (a staging table), instead of the map's own.</param>
    public async Task CopyAsync(NpgsqlConnection connection, IEnumerable<T> rows, CancellationToken ct = default, string? into = null)
    {
        await using var copy = await connection.BeginBinaryImportAsync($"COPY {into ?? table} ({ColumnList}) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var row in rows)
        {
            await copy.StartRowAsync(ct);
            foreach (var column in columns) await column.WriteAsync(copy, row, ct);
        }
        await copy.CompleteAsync(ct);
    }

    /// <summary>
    /// The rows in one INSERT … SELECT FROM unnest, an array per column: for a few rows inside an open transaction on a
    /// table under row-level security, where COPY FROM is refused (bulk ingest copies into a staging table instead).
    /// </summary>
    public async Task InsertAsync(NpgsqlConnection connection, IReadOnlyCollection<T> rows, CancellationToken ct)
    {
        if (rows.Count == 0) return;
        await using var command = new NpgsqlCommand(InsertSql, connection);
        foreach (var column in columns) command.Parameters.Add(column.Array(rows));
        await command.ExecuteNonQueryAsync(ct);
    }

    private string InsertSql => field ??=
        $"INSERT INTO {table} ({ColumnList}) SELECT * FROM unnest({string.Join(", ", columns.Select((_, i) => $"${i + 1}"))})";

    /// <summary>The entity in the reader's current row, which selected <see cref="ColumnList"/>.</summary>
    public T Read(NpgsqlDataReader reader)
    {
        var row = create();
        for (var i = 0; i < columns.Count; i++) columns[i].Read(row, reader, i);
        return row;
    }

    public abstract class Column(string name, NpgsqlDbType type)
    {
        public string Name => name;
        public NpgsqlDbType Type => type;
        public abstract Task WriteAsync(NpgsqlBinaryImporter copy, T row, CancellationToken ct);
        public abstract void Read(T row, NpgsqlDataReader reader, int ordinal);

        /// <summary>This column of every row, as one array parameter (see <see cref="InsertAsync"/>).</summary>
        public abstract NpgsqlParameter Array(IEnumerable<T> rows);
    }

    private sealed class Value<TValue>(string name, NpgsqlDbType type, Func<T, TValue> get, Action<T, TValue> set) : Column(name, type)
    {
        public override Task WriteAsync(NpgsqlBinaryImporter copy, T row, CancellationToken ct) => copy.WriteAsync(get(row), Type, ct);

        public override void Read(T row, NpgsqlDataReader reader, int ordinal) =>
            set(row, reader.IsDBNull(ordinal) ? default! : reader.GetFieldValue<TValue>(ordinal));

        public override NpgsqlParameter Array(IEnumerable<T> rows) => Type.HasFlag(NpgsqlDbType.Array)
            ? throw new NotSupportedException($"Column {Name} holds arrays, which unnest would flatten into one.")
            : new() { Value = rows.Select(get).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | Type };
    }

    private sealed class Json<TItem>(string name, Func<T, List<TItem>> get, Action<T, List<TItem>> set) : Column(name, NpgsqlDbType.Jsonb)
    {
        public override Task WriteAsync(NpgsqlBinaryImporter copy, T row, CancellationToken ct) =>
            copy.WriteAsync(JsonSerializer.Serialize(get(row), StoredJson), NpgsqlDbType.Jsonb, ct);

        public override void Read(T row, NpgsqlDataReader reader, int ordinal) =>
            set(row, JsonSerializer.Deserialize<List<TItem>>(reader.GetString(ordinal), StoredJson) ?? []);

        public override NpgsqlParameter Array(IEnumerable<T> rows) => new()
        {
            Value = rows.Select(row => JsonSerializer.Serialize(get(row), StoredJson)).ToArray(),
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb,
        };
    }

    /// <summary>How EF stores the owned measurements and adjustments in their jsonb columns (Data/Configurations): camelCase, nulls kept.</summary>
    private static readonly JsonSerializerOptions StoredJson = new(JsonSerializerDefaults.Web);

    public static Column Uuid(string name, Func<T, Guid> get, Action<T, Guid> set) => new Value<Guid>(name, NpgsqlDbType.Uuid, get, set);
    public static Column Uuid(string name, Func<T, Guid?> get, Action<T, Guid?> set) => new Value<Guid?>(name, NpgsqlDbType.Uuid, get, set);
    public static Column Text(string name, Func<T, string?> get, Action<T, string> set) => new Value<string?>(name, NpgsqlDbType.Text, get, (row, v) => set(row, v!));
    public static Column Integer(string name, Func<T, int> get, Action<T, int> set) => new Value<int>(name, NpgsqlDbType.Integer, get, set);
    public static Column Integer(string name, Func<T, int?> get, Action<T, int?> set) => new Value<int?>(name, NpgsqlDbType.Integer, get, set);
    public static Column Numeric(string name, Func<T, decimal?> get, Action<T, decimal?> set) => new Value<decimal?>(name, NpgsqlDbType.Numeric, get, set);
    public static Column Boolean(string name, Func<T, bool> get, Action<T, bool> set) => new Value<bool>(name, NpgsqlDbType.Boolean, get, set);
    public static Column Boolean(string name, Func<T, bool?> get, Action<T, bool?> set) => new Value<bool?>(name, NpgsqlDbType.Boolean, get, set);
    public static Column Texts(string name, Func<T, List<string>> get, Action<T, List<string>> set) => new Value<List<string>>(name, NpgsqlDbType.Array | NpgsqlDbType.Text, get, set);
    public static Column Time(string name, Func<T, DateTimeOffset> get, Action<T, DateTimeOffset> set) => new Value<DateTimeOffset>(name, NpgsqlDbType.TimestampTz, get, set);
    public static Column JsonList<TItem>(string name, Func<T, List<TItem>> get, Action<T, List<TItem>> set) => new Json<TItem>(name, get, set);

    /// <summary>version, created_at, updated_at: the columns every <see cref="Versioned"/> row has.</summary>
    public static IEnumerable<Column> VersionColumns(Func<T, Versioned> row) =>
    [
        Integer("version", r => row(r).Version, (r, v) => row(r).Version = v),
        Time("created_at", r => row(r).CreatedAt, (r, v) => row(r).CreatedAt = v),
        Time("updated_at", r => row(r).UpdatedAt, (r, v) => row(r).UpdatedAt = v),
    ];
}
