namespace Registry.Api.Drugs;

public sealed class Drug
{
    public required string Code { get; set; }
    public required string Name { get; set; }
    public string? AtcCode { get; set; }
    public required string DrugClass { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
