using Hl7.Fhir.Model;

namespace Registry.Api.Fhir.BulkData;

/// <summary>
/// A case's resources as Bulk Data files carry them: one resource per line, outside any Bundle, so each reference
/// to another resource of the case is the relative REST reference <c>Type/id</c> instead of the Bundle's
/// <c>urn:uuid:</c> fullUrl. The ids are the collection Bundle's, derived from registry ids (CaseToFhir).
/// </summary>
public static class NdjsonResources
{
    public static IEnumerable<Resource> OfType(Bundle bundle, string type)
    {
        var targets = bundle.Entry.ToDictionary(e => e.FullUrl!, e => $"{e.Resource!.TypeName}/{e.Resource.Id}");
        foreach (var resource in bundle.Entry.Select(e => e.Resource!).Where(r => r.TypeName == type))
        {
            Relativize(resource, targets);
            yield return resource;
        }
    }

    private static void Relativize(Base node, IReadOnlyDictionary<string, string> targets)
    {
        if (node is ResourceReference { Reference: { } url } reference && targets.TryGetValue(url, out var target))
            reference.Reference = target;
        foreach (var (_, value) in node.EnumerateElements())
        {
            if (value is Base child) Relativize(child, targets);
            else if (value is IEnumerable<Base> children)
                foreach (var item in children) Relativize(item, targets);
        }
    }
}
