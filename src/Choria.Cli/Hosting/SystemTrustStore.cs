using System.Runtime.InteropServices;

namespace Choria.Cli.Hosting;

/// <summary>
/// Keeps the operating system's trust store out of a client command's broker connections (ADR 0015).
/// </summary>
/// <remarks>
/// A Choria client trusts one CA, the configured <c>plugin.security.*.ca</c>: NATS.Net accepts a broker only when its
/// chain ends at one of those certificates, as go-choria's TLS configuration with only that CA as roots does. .NET on
/// Linux nevertheless loads the whole system store (every certificate in <c>/etc/ssl/certs</c>, parsed by OpenSSL) on
/// the first chain build of the process, which was ~40% of the CPU of a one-node <c>choria req</c>. While the
/// connections are made, <c>SSL_CERT_FILE</c> and <c>SSL_CERT_DIR</c> are set empty in the native environment (where
/// .NET looks them up), so that load finds nothing and the empty store stays cached for the process; afterwards both
/// get their previous values back.
/// </remarks>
internal static partial class SystemTrustStore
{
    private static readonly string[] s_variables = ["SSL_CERT_FILE", "SSL_CERT_DIR"];

    public static IDisposable HiddenWhileConnecting()
    {
        if (!OperatingSystem.IsLinux())
        {
            return new Restore([]);
        }

        // .NET keeps the environment it hands to child processes in a managed copy made on first use; made now, from
        // the operator's values, a child started while the store is hidden (the Ruby DDL converter, which may run while
        // the client connects) does not inherit the empty variables.
        _ = Environment.GetEnvironmentVariables();
        var previous = s_variables.Select(name => (name, NativeValue(name))).ToArray();
        foreach (var name in s_variables)
        {
            // A failed setenv (out of memory) only means the store is read as before.
            _ = SetEnv(name, "", 1);
        }

        return new Restore(previous);
    }

    /// <summary>The variable as native code (OpenSSL, .NET's native crypto shim) sees it; .NET keeps its own copy.</summary>
    internal static string? NativeValue(string name) => Marshal.PtrToStringUTF8(GetEnv(name));

    /// <summary>Sets (or, for null, removes) a variable in the native environment.</summary>
    internal static void SetNative(string name, string? value) => _ = value is null ? UnsetEnv(name) : SetEnv(name, value, 1);

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetEnv(string name);

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "unsetenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnsetEnv(string name);

    private sealed class Restore((string Name, string? Value)[] previous) : IDisposable
    {
        public void Dispose()
        {
            foreach (var (name, value) in previous)
            {
                SetNative(name, value);
            }
        }
    }
}
