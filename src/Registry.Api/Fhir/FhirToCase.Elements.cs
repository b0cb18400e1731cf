using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;
using Registry.Api.Common;

namespace Registry.Api.Fhir;

/// <summary>
/// Reading the elements of Firely POCOs with their FHIRPaths (Bundle.entry[3].resource.code), recording an
/// issue for every code the registry does not know, so the importer can report every problem at once.
/// </summary>
public sealed partial class FhirToCase
{
    private void Issue(string code, string expression, string message) => _issues.Add(new FhirIssue(code, expression, message));

    /// <summary>The first code of a system in a CodeableConcept, with the FHIRPath of that code.</summary>
    private static (string Code, string Path)? Code(CodeableConcept? concept, string path, string system)
    {
        if (concept is null) return null;
        for (var i = 0; i < concept.Coding.Count; i++)
            if (Code(concept.Coding[i], $"{path}.coding[{i}]", system) is { } found) return found;
        return null;
    }

    private static (string Code, string Path)? Code(Coding? coding, string path, string system) =>
        coding?.System == system && coding.Code is { } code ? (code, $"{path}.code") : null;

    /// <summary>An enum value from a registry code; an unknown code is an issue listing the allowed ones.</summary>
    private T? Enum<T>((string Code, string Path)? found, string system) where T : struct, System.Enum
    {
        if (found is not { } f) return null;
        if (KebabEnum.TryParse<T>(f.Code, out var value)) return value;
        Issue("code-invalid", f.Path, $"'{f.Code}' is not a code of {system}; use one of: {string.Join(", ", KebabEnum.AllCodes<T>())}.");
        return null;
    }

    /// <summary>A resource's (or an element's) extensions with the given URL, each with its FHIRPath.</summary>
    private static List<(Extension Extension, string Path)> Extensions(IExtendable element, string path, string url) =>
        element.Extension.Select((e, i) => (e, $"{path}.extension[{i}]")).Where(x => x.e.Url == url).ToList();

    /// <summary>The extension with this URL; CheckResources has made sure there is at most one and its value is of the defined type.</summary>
    private static (Extension Extension, string Path)? Extension(IExtendable element, string path, string url) =>
        Extensions(element, path, url) is [var only] ? only : null;

    private static int? ExtInt(IExtendable element, string path, string url) => (Extension(element, path, url)?.Extension.Value as Integer)?.Value;

    /// <summary>The FHIR JSON name of an element: a choice element carries its type (value + Quantity = valueQuantity).</summary>
    private static string JsonName(Base parent, string name, object? value)
    {
        var mapping = ModelInfo.ModelInspector.FindOrImportClassMapping(parent.GetType())?.FindMappedElementByName(name);
        return mapping?.Choice == ChoiceType.DatatypeChoice && value is Base b ? name + char.ToUpperInvariant(b.TypeName[0]) + b.TypeName[1..] : name;
    }

    private static IEnumerable<string> ElementNames(Base node) => node.EnumerateElements().Select(e => JsonName(node, e.Key, e.Value));

    private T? Required<T>(T? value, string path, string what) where T : struct
    {
        if (value is null) Issue("code-invalid", path, $"Needs {what}.");
        return value;
    }

    private string? Required(string? value, string path, string what)
    {
        if (value is null) Issue("required", path, $"Needs {what}.");
        return value;
    }
}
