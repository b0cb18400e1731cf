using System.Reflection;
using System.Reflection.Emit;

namespace Registry.Tests.Architecture;

/// <summary>
/// Which source folder of the API uses which, read from the compiled assembly: a folder is the first namespace
/// segment below <c>Registry.Api</c> (namespaces follow folders), and a type uses every type named in its base
/// type, interfaces, fields, properties, method signatures, attributes and the IL of its method bodies
/// (compiler-made closures and state machines count for the type that declares them).
/// </summary>
public sealed class FolderGraph
{
    private const string Root = "Registry.Api";
    private const BindingFlags Everything =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>For each (from folder, to folder), which type of the one names which type of the other.</summary>
    public Dictionary<(string From, string To), HashSet<(Type User, Type Used)>> Edges { get; } = new();

    public static FolderGraph Of(Assembly assembly)
    {
        var graph = new FolderGraph();
        foreach (var type in assembly.GetTypes())
        {
            var from = FolderOf(type);
            if (from is null) continue;
            foreach (var used in UsedBy(type).SelectMany(Unwrap).Distinct())
            {
                var to = FolderOf(used);
                if (to is null || to == from) continue;
                var key = (from, to);
                if (!graph.Edges.TryGetValue(key, out var uses)) graph.Edges[key] = uses = [];
                uses.Add((Outermost(type), Outermost(used)));
            }
        }
        return graph;
    }

    /// <summary>The folder a type's source lives in; Program.cs (the global namespace) is "Program".</summary>
    public static string? FolderOf(Type type)
    {
        var ns = Outermost(type).Namespace;
        if (ns is null) return Outermost(type).Name == "Program" ? "Program" : null;
        if (!ns.StartsWith(Root + ".", StringComparison.Ordinal)) return null;
        return ns[(Root.Length + 1)..].Split('.')[0];
    }

    /// <summary>The folders that reach each other both ways (strongly connected components with more than one folder).</summary>
    public List<SortedSet<string>> Cycles(Func<(string From, string To), bool> ignore)
    {
        var next = Edges.Keys.Where(e => !ignore(e)).GroupBy(e => e.From).ToDictionary(g => g.Key, g => g.Select(e => e.To).ToList());
        var nodes = Edges.Keys.SelectMany(e => new[] { e.From, e.To }).Distinct().ToList();
        Func<string, HashSet<string>> reach = start =>
        {
            var seen = new HashSet<string>();
            var stack = new Stack<string>([start]);
            while (stack.TryPop(out var n))
                foreach (var m in next.GetValueOrDefault(n, []))
                    if (seen.Add(m)) stack.Push(m);
            return seen;
        };
        var reachable = nodes.ToDictionary(n => n, reach);
        return nodes
            .Select(n => new SortedSet<string>(nodes.Where(m => m == n || (reachable[n].Contains(m) && reachable[m].Contains(n)))))
            .Where(component => component.Count > 1)
            .DistinctBy(component => string.Join(",", component))
            .ToList();
    }

    private static Type Outermost(Type type)
    {
        while (type.DeclaringType is not null) type = type.DeclaringType;
        return type;
    }

    private static IEnumerable<Type> Unwrap(Type type)
    {
        if (type.HasElementType) return Unwrap(type.GetElementType()!);
        if (type.IsGenericParameter) return [];
        if (type.IsConstructedGenericType)
            return Unwrap(type.GetGenericTypeDefinition()).Concat(type.GetGenericArguments().SelectMany(Unwrap));
        return [type];
    }

    private static IEnumerable<Type> UsedBy(Type type)
    {
        if (type.BaseType is not null) yield return type.BaseType;
        foreach (var i in type.GetInterfaces()) yield return i;
        foreach (var a in type.CustomAttributes) yield return a.AttributeType;
        foreach (var f in type.GetFields(Everything)) yield return f.FieldType;
        foreach (var p in type.GetProperties(Everything)) yield return p.PropertyType;
        foreach (var method in type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything)))
        {
            if (method is MethodInfo info) yield return info.ReturnType;
            foreach (var p in method.GetParameters()) yield return p.ParameterType;
            foreach (var used in InBody(method)) yield return used;
        }
    }

    /// <summary>The types named by the IL of a method: the types of its locals, and every type, field and method token.</summary>
    private static IEnumerable<Type> InBody(MethodBase method)
    {
        var body = method.GetMethodBody();
        if (body is null) yield break;
        foreach (var local in body.LocalVariables) yield return local.LocalType;
        var il = body.GetILAsByteArray() ?? [];
        var typeArgs = method.DeclaringType!.IsGenericType ? method.DeclaringType.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var at = 0; at < il.Length;)
        {
            var code = il[at] == 0xFE ? OpCodesByValue[(short)(0xFE00 | il[at + 1])] : OpCodesByValue[il[at]];
            at += code.Size;
            var operand = OperandSize(code, il, at);
            if (code.OperandType is OperandType.InlineType or OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineTok)
            {
                var member = method.Module.ResolveMember(BitConverter.ToInt32(il, at), typeArgs, methodArgs);
                switch (member)
                {
                    case Type t: yield return t; break;
                    case FieldInfo f: yield return f.DeclaringType!; yield return f.FieldType; break;
                    case MethodBase m:
                        yield return m.DeclaringType!;
                        if (m is MethodInfo mi)
                        {
                            yield return mi.ReturnType;
                            if (mi.IsGenericMethod) foreach (var g in mi.GetGenericArguments()) yield return g;
                        }
                        foreach (var p in m.GetParameters()) yield return p.ParameterType;
                        break;
                }
            }
            at += operand;
        }
    }

    private static int OperandSize(OpCode code, byte[] il, int at) => code.OperandType switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, at),
        _ => 4,
    };
}
