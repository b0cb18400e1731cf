using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Registry.Api.Data;
using Xunit.Abstractions;

namespace Registry.Tests.Architecture;

/// <summary>
/// The API's folders form a house with a foundation: Common/ and Data/ serve every feature and name none of them
/// (the DbContext naming the entities it maps is the one exception), no two feature folders need each other, and
/// the OpenAPI wiring, which names every feature, is named by Program.cs alone.
/// </summary>
public sealed class FolderDependencyTests(ITestOutputHelper output)
{
    private static readonly string[] Foundations = ["Common", "Data"];
    private static readonly FolderGraph Graph = FolderGraph.Of(typeof(RegistryDb).Assembly);
    private static readonly HashSet<Type> Entities = EntityTypes();

    [Fact]
    public void Common_and_Data_name_no_feature_folder()
    {
        var reachingUp = Graph.Edges
            .Where(e => Foundations.Contains(e.Key.From) && !Foundations.Contains(e.Key.To) && !IsDbContextNamingEntities(e.Key))
            .Select(e => $"{e.Key.From} -> {e.Key.To}: {Named(e.Value)}")
            .ToList();
        reachingUp.ForEach(output.WriteLine);
        Assert.Empty(reachingUp);
    }

    [Fact]
    public void No_folders_depend_on_each_other_but_the_DbContext_and_its_entities()
    {
        var cycles = Graph.Cycles(ignore: IsDbContextNamingEntities);
        foreach (var cycle in cycles)
        {
            output.WriteLine($"cycle: {string.Join(", ", cycle)}");
            foreach (var edge in Graph.Edges.Where(e => cycle.Contains(e.Key.From) && cycle.Contains(e.Key.To) && !IsDbContextNamingEntities(e.Key)))
                output.WriteLine($"  {edge.Key.From} -> {edge.Key.To}: {Named(edge.Value)}");
        }
        Assert.Empty(cycles);
    }

    [Fact]
    public void Only_Program_uses_the_OpenApi_wiring()
    {
        var users = Graph.Edges.Keys.Where(e => e.To == "OpenApi").Select(e => e.From).ToList();
        Assert.Equal(["Program"], users);
    }

    [Fact]
    public void Every_source_file_declares_the_namespace_of_its_folder()
    {
        var source = Path.Combine(RepositoryRoot(), "src", "Registry.Api");
        var misplaced = Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories)
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")
                           && !file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Select(file => (file, folder: Path.GetRelativePath(source, Path.GetDirectoryName(file)!)))
            .Where(f => f.folder != ".")
            .Select(f => (f.file, expected: $"namespace Registry.Api.{f.folder.Replace(Path.DirectorySeparatorChar, '.')};"))
            .Where(f => !File.ReadLines(f.file).Any(line => line.Trim() == f.expected))
            .Select(f => $"{Path.GetRelativePath(source, f.file)} should declare {f.expected}")
            .ToList();
        Assert.Empty(misplaced);
    }

    /// <summary>
    /// The one allowed cycle, the ordinary DbContext ↔ entities one: Data/ maps the entities that live in their
    /// feature folders, and any folder may name an entity (or a type an entity's members are made of) through the
    /// DbContext. Naming an entity is naming the data model, not the feature that declares it.
    /// </summary>
    private static bool IsDbContextNamingEntities((string From, string To) edge) =>
        Graph.Edges[edge].All(use => Entities.Contains(use.Used));

    private static string Named(IEnumerable<(Type User, Type Used)> uses) =>
        string.Join(", ", uses.GroupBy(u => u.Used.Name).OrderBy(g => g.Key).Select(g => $"{g.Key} (by {string.Join(" ", g.Select(u => u.User.Name).Distinct())})"));

    /// <summary>The types RegistryDb maps (its DbSet properties), with the types their members are made of.</summary>
    private static HashSet<Type> EntityTypes()
    {
        var entities = new HashSet<Type>();
        var pending = new Stack<Type>(typeof(RegistryDb).GetProperties()
            .Where(p => p.PropertyType.IsGenericType && p.PropertyType.GetGenericTypeDefinition() == typeof(DbSet<>))
            .Select(p => p.PropertyType.GetGenericArguments()[0]));
        while (pending.TryPop(out var type))
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (type.IsConstructedGenericType) { foreach (var a in type.GetGenericArguments()) pending.Push(a); continue; }
            if (type.Assembly != typeof(RegistryDb).Assembly || !entities.Add(type)) continue;
            foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)) pending.Push(p.PropertyType);
        }
        return entities;
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Registry.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Registry.sln not found above " + AppContext.BaseDirectory);
    }
}
