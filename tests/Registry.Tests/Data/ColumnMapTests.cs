using System.Reflection;
using Npgsql;
using NpgsqlTypes;
using Registry.Api.Data;

namespace Registry.Tests.Data;

/// <summary>
/// Each table's column map (Data/Tables.cs) names every column of the migrated table, with its type: a column added
/// by a migration but not to the map (or the other way round) fails here, before COPY or the whole-case reader
/// would silently leave it out.
/// </summary>
public sealed class ColumnMapTests
{
    public static TheoryData<string> Maps() => new(MapFields().Select(f => f.Name));

    [Theory]
    [MemberData(nameof(Maps))]
    public async Task The_column_map_names_every_column_of_its_table_with_its_type(string map)
    {
        var (table, columns, filledByDatabase) = Describe(MapFields().Single(f => f.Name == map).GetValue(null)!);
        var live = await LiveColumnsAsync(table);

        var mapped = new SortedDictionary<string, string>(columns.ToDictionary(c => c.Name, c => UdtName(c.Type)));
        foreach (var name in filledByDatabase) mapped[name] = live.GetValueOrDefault(name, "missing");
        Assert.NotEmpty(live);
        Assert.Equal(live, mapped);
    }

    /// <summary>The table's columns and their types, in a database cloned from the migrated template (never the template itself, which others clone).</summary>
    private static async Task<SortedDictionary<string, string>> LiveColumnsAsync(string table)
    {
        var server = await PostgresServer.InstanceAsync();
        var database = $"columns_{Guid.NewGuid():N}"[..20];
        var live = new SortedDictionary<string, string>();
        try
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(await server.CreateDatabaseAsync(database)) { Pooling = false }.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SELECT column_name, udt_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1", connection)
            {
                Parameters = { new() { Value = table } },
            };
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) live[reader.GetString(0)] = reader.GetString(1);
        }
        finally
        {
            await server.DropDatabaseAsync(database);
        }
        return live;
    }

    private static IEnumerable<FieldInfo> MapFields() => typeof(Tables).GetFields(BindingFlags.Public | BindingFlags.Static);

    private static (string Table, List<(string Name, NpgsqlDbType Type)> Columns, IReadOnlyList<string> FilledByDatabase) Describe(object map)
    {
        dynamic m = map;
        var columns = new List<(string, NpgsqlDbType)>();
        foreach (var column in m.Columns) columns.Add(((string)column.Name, (NpgsqlDbType)column.Type));
        return ((string)m.Table, columns, (IReadOnlyList<string>)m.FilledByDatabase);
    }

    private static string UdtName(NpgsqlDbType type) => type switch
    {
        NpgsqlDbType.Uuid => "uuid",
        NpgsqlDbType.Text => "text",
        NpgsqlDbType.Integer => "int4",
        NpgsqlDbType.Numeric => "numeric",
        NpgsqlDbType.Boolean => "bool",
        NpgsqlDbType.TimestampTz => "timestamptz",
        NpgsqlDbType.Jsonb => "jsonb",
        NpgsqlDbType.Array | NpgsqlDbType.Text => "_text",
        _ => type.ToString(),
    };
}
