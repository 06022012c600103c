using System.Runtime.InteropServices;

namespace Choria.Broker.Network;

internal static partial class NativeMethods
{
    public const int SigHup = 1;
    public const int SigInt = 2;

    // Process.Kill only knows SIGKILL; nats-server needs SIGINT for a clean shutdown and SIGHUP to reload.
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
