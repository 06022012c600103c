using System.Runtime.InteropServices;

namespace Choria.Cli.Hosting;

/// <summary>
/// A daemon can inherit signals set to "ignore": a shell starts background jobs (<c>choria server run &amp;</c>) with
/// SIGINT ignored, and <c>nohup</c> ignores SIGHUP. .NET keeps an inherited "ignore" instead of running the
/// registered handler, so such a daemon could not be stopped with SIGINT, nor reloaded with SIGHUP. Go's signal
/// handling re-enables a signal the program asks for; the daemons do the same.
/// </summary>
internal static partial class InheritedSignals
{
    private const int SigHup = 1;
    private const int SigInt = 2;
    private static readonly nint s_default = 0;

    /// <summary>Puts SIGINT and SIGHUP back to their default dispositions; call before registering the handlers.</summary>
    public static void RestoreDaemonSignals()
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
        {
            _ = Signal(SigInt, s_default);
            _ = Signal(SigHup, s_default);
        }
    }

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint Signal(int signal, nint handler);
}
