using System.Runtime.InteropServices;

namespace Registry.Api.Common;

/// <summary>
/// Gives memory the C allocator holds freed back to the system. The JIT compiles Firely's R4 model (a static
/// constructor of 250 kB of IL) with about 75 MB of native scratch memory; glibc keeps what the JIT frees in its
/// arena, so the first FHIR request left the process 55 MB larger than it needed to be (docs/performance.md).
/// </summary>
public static class NativeHeap
{
    public static void Trim()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            MallocTrim(0);
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            // Not glibc (musl has no malloc_trim): nothing to give back this way.
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
