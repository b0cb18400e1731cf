using System.Diagnostics;

namespace Registry.Tests.Infrastructure;

/// <summary>
/// Installs a Debian package the suite needs and the machine lacks (the PostgreSQL server binaries, Chromium), so
/// `dotnet test Registry.sln` passes on a fresh Debian machine with only the .NET SDK: apt-get as root, or through
/// `sudo -n` otherwise (a sudo that would ask for a password fails with its own message instead of hanging).
/// </summary>
public static class DebianPackages
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);
    private static bool _updated;

    public static void Install(string package, string why)
    {
        OneAtATime.Wait();
        try
        {
            TestLog.Write($"installing Debian's '{package}' ({why})");
            if (!_updated) AptGet("update", "-qq");
            _updated = true;
            AptGet("install", "-y", "-qq", "--no-install-recommends", package);
        }
        finally { OneAtATime.Release(); }
    }

    private static void AptGet(params string[] args)
    {
        var asRoot = Environment.UserName == "root";
        var start = new ProcessStartInfo(asRoot ? "apt-get" : "sudo") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (!asRoot) foreach (var arg in new[] { "-n", "apt-get" }) start.ArgumentList.Add(arg);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = Process.Start(start)
            ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            var said = $"{output.Result}\n{error.Result}".Trim();
            throw new InvalidOperationException(
                $"apt-get {string.Join(' ', args)} failed ({process.ExitCode}); install it by hand. It said, last:\n{said[^Math.Min(3000, said.Length)..]}");
        }
    }
}
