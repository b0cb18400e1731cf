namespace Registry.Tests.Infrastructure;

/// <summary>
/// What the suite's set-up did (which PostgreSQL it runs against, what it installed), written to the test run's
/// output, where `dotnet test` shows it.
/// </summary>
public static class TestLog
{
    public static void Write(string message) => Console.Error.WriteLine($"[registry-tests] {message}");
}
