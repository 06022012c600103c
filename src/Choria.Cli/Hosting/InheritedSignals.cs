using System.Runtime.InteropServices;

namespace Choria.Cli.Hosting;

/// <summary>
/// A shell starts background jobs (<c>choria server run &amp;</c>) with SIGINT ignored, and .NET keeps an
/// inherited "ignore" instead of running the registered handler, so such a daemon could not be stopped with
/// SIGINT. Go's signal handling re-enables it; the daemons do the same so that SIGINT stops them like SIGTERM.
/// </summary>
internal static partial class InheritedSignals
{
    private const int SigInt = 2;
    private static readonly nint s_default = 0;

    /// <summary>Puts SIGINT back to its default disposition; call before registering the handler.</summary>
    public static void RestoreInterrupt()
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
        {
            _ = Signal(SigInt, s_default);
        }
    }

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint Signal(int signal, nint handler);
}
