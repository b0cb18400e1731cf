namespace Registry.Api.Seeding;

public sealed class SeedLoader
{
    public Task LoadAsync(CancellationToken ct) => Task.CompletedTask; // TODO
}
