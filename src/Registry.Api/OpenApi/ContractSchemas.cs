using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Registry.Api.OpenApi;

/// <summary>
/// Makes the schemas of the API's own contracts say what validators and client generators need to know:
/// a member that may be null and is a reference (an enum, a nested record) is <c>oneOf: [$ref, {type: null}]</c>
/// (Swashbuckle's <c>allOf: [$ref]</c> wrapper either loses the null or, in OpenAPI 3.1, allows only null);
/// and a response lists as <c>required</c> every member the API always sends (all but those omitted when null).
/// Request contracts keep every member optional: the validators, not the schema, report what is missing.
/// </summary>
public sealed class ContractSchemas(IApiDescriptionGroupCollectionProvider apiDescriptions) : ISchemaFilter
{
    private readonly Lazy<HashSet<Type>> _requestTypes = new(() => RequestTypes(apiDescriptions));
    private static readonly NullabilityInfoContext Nullability = new();

    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema { Properties.Count: > 0 } objectSchema || context.Type.Assembly != typeof(ContractSchemas).Assembly) return;
        var members = context.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .ToDictionary(JsonName, StringComparer.Ordinal);
        var response = !_requestTypes.Value.Contains(context.Type);

        foreach (var (name, property) in objectSchema.Properties.ToList())
        {
            if (!members.TryGetValue(name, out var member)) continue;
            var nullable = Nullability.Create(member).ReadState == NullabilityState.Nullable;
            if (property is OpenApiSchema { AllOf: [OpenApiSchemaReference reference] } wrapper)
                objectSchema.Properties[name] = nullable
                    ? new OpenApiSchema { OneOf = [reference, new OpenApiSchema { Type = JsonSchemaType.Null }], Description = wrapper.Description }
                    : new OpenApiSchema { AllOf = [reference], Description = wrapper.Description };
            if (response && !(nullable && OmittedWhenNull(member)))
                (objectSchema.Required ??= new HashSet<string>()).Add(name);
        }
    }

    private static string JsonName(PropertyInfo property) =>
        property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);

    private static bool OmittedWhenNull(PropertyInfo property) =>
        property.GetCustomAttribute<JsonIgnoreAttribute>()?.Condition is JsonIgnoreCondition.WhenWritingNull or JsonIgnoreCondition.WhenWritingDefault;

    /// <summary>The types of request bodies and of everything they contain.</summary>
    private static HashSet<Type> RequestTypes(IApiDescriptionGroupCollectionProvider provider)
    {
        var found = new HashSet<Type>();
        var pending = new Stack<Type>(provider.ApiDescriptionGroups.Items.SelectMany(g => g.Items)
            .SelectMany(d => d.ParameterDescriptions).Where(p => p.Source == BindingSource.Body).Select(p => p.Type));
        while (pending.TryPop(out var type))
        {
            if (Nullable.GetUnderlyingType(type) is { } underlying) type = underlying;
            if (!found.Add(type)) continue;
            foreach (var argument in type.IsGenericType ? type.GetGenericArguments() : []) pending.Push(argument);
            if (type.IsArray) pending.Push(type.GetElementType()!);
            if (type.Assembly == typeof(ContractSchemas).Assembly)
                foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance)) pending.Push(property.PropertyType);
        }
        return found;
    }
}
