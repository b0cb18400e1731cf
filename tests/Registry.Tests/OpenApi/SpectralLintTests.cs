using System.Diagnostics;

namespace Registry.Tests.OpenApi;

/// <summary>
/// The document passes Stoplight Spectral's standard OpenAPI ruleset (spectral:oas) without errors. Spectral is a
/// Node.js tool: the test installs the pinned version with npm into a cache directory the first time, and Debian's
/// nodejs and npm first when the machine lacks them.
/// </summary>
public sealed class SpectralLintTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private const string SpectralVersion = "6.16.3";

    [Fact]
    public async Task The_document_has_no_errors_under_spectrals_oas_ruleset()
    {
        var response = await app.CreateClient().GetAsync("/swagger/v1/swagger.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var work = Directory.CreateTempSubdirectory("registry-spectral-");
        try
        {
            var document = Path.Combine(work.FullName, "openapi.json");
            await File.WriteAllTextAsync(document, await response.Content.ReadAsStringAsync());
            await File.WriteAllTextAsync(Path.Combine(work.FullName, ".spectral.yaml"), "extends: [\"spectral:oas\"]\n");

            var (_, output, errors) = await RunAsync(await SpectralAsync(), work.FullName,
                "lint", document, "--ruleset", ".spectral.yaml", "--format", "json", "--fail-severity", "error", "--quiet");

            var results = JsonDocument.Parse(output.Length == 0 ? "[]" : output).RootElement.EnumerateArray()
                .Where(r => r.GetProperty("severity").GetInt32() == 0)
                .Select(r => $"{r.GetProperty("code")}: {r.GetProperty("message")} at {string.Join('.', r.GetProperty("path").EnumerateArray())}")
                .ToList();
            Assert.True(results.Count == 0, $"Spectral errors:\n{string.Join("\n", results)}\n{errors}");
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>The spectral executable, installed with npm into a per-user cache on first use.</summary>
    private static async Task<string> SpectralAsync()
    {
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        var prefix = Path.Combine(cache, "hfs-registry", $"spectral-{SpectralVersion}");
        var spectral = Path.Combine(prefix, "node_modules", ".bin", "spectral");
        if (File.Exists(spectral)) return spectral;

        Directory.CreateDirectory(prefix);
        if (!OnPath("npm")) DebianPackages.Install("npm", "the OpenAPI lint test runs Stoplight Spectral");
        var (exit, _, errors) = await RunAsync("npm", prefix,
            "install", "--prefix", prefix, "--no-audit", "--no-fund", "--ignore-scripts", $"@stoplight/spectral-cli@{SpectralVersion}");
        Assert.True(exit == 0 && File.Exists(spectral), $"npm could not install Spectral into {prefix}:\n{errors}");
        return spectral;
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, program)));

    private static async Task<(int Exit, string Output, string Errors)> RunAsync(string program, string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new Xunit.Sdk.XunitException($"'{program}' is not installed: this test needs Node.js 18.18+ and npm (Debian: apt-get install nodejs npm).");
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await output, await errors);
        }
    }
}
