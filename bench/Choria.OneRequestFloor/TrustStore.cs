using System.Runtime.InteropServices;

namespace Choria.OneRequestFloor;

/// <summary>
/// The command keeps the system trust store out of its connect (docs/adr/0015-client-connect-fixed-cost.md): the
/// broker is trusted through the configured CA alone, so loading /etc/ssl/certs is not part of the necessary work and
/// the floor must not pay it either (all modes but <c>nats-plain</c>). Unlike the command, nothing runs after the connect
/// that could want the store, so it stays hidden for the whole run.
/// </summary>
internal static partial class TrustStore
{
    public static void Hide()
    {
        if (OperatingSystem.IsLinux())
        {
            _ = SetEnv("SSL_CERT_FILE", "", 1);
            _ = SetEnv("SSL_CERT_DIR", "", 1);
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
