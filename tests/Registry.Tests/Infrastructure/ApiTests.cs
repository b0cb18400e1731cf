namespace Registry.Tests.Infrastructure;

/// <summary>A test class with a database of its own (the fixture) and a client holding the development admin key.</summary>
public abstract class ApiTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    protected HttpClient Client { get; } = app.CreateClient();
}
