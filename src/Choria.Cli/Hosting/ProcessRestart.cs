using System.Collections;
using System.Runtime.InteropServices;

namespace Choria.Cli.Hosting;

/// <summary>
/// Replaces this process with a fresh copy of itself: same executable, arguments and environment, same pid (so
/// service managers and pid files stay right). This is how a provisioned server starts again in its new
/// configuration (docs/provisioning.md).
/// </summary>
public static partial class ProcessRestart
{
    /// <summary>Only returns when execve failed; the message says why.</summary>
    public static string Exec()
    {
        if (OperatingSystem.IsWindows())
        {
            return "restarting in place is not supported on Windows, the service manager must start Choria again";
        }

        var path = Environment.ProcessPath ?? throw new InvalidOperationException("the path of this executable is not known");
        var args = Environment.GetCommandLineArgs();
        // GetCommandLineArgs()[0] is the program; under `dotnet choria.dll` it is the dll, which the host needs again.
        var argv = new List<string> { path };
        if (Path.GetFileNameWithoutExtension(path) == "dotnet")
        {
            argv.Add(args[0]);
        }

        argv.AddRange(args.Skip(1));
        var env = new List<string>();
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            env.Add($"{e.Key}={e.Value}");
        }

        Console.Out.Flush();
        Console.Error.Flush();
        var argvPtrs = ToNative(argv);
        var envPtrs = ToNative(env);
        try
        {
            ExecVe(path, argvPtrs, envPtrs);
            return $"execve {path} failed: {Marshal.GetLastPInvokeErrorMessage()}";
        }
        finally
        {
            Free(argvPtrs);
            Free(envPtrs);
        }
    }

    private static nint[] ToNative(List<string> values)
    {
        var result = new nint[values.Count + 1];
        for (var i = 0; i < values.Count; i++)
        {
            result[i] = Marshal.StringToCoTaskMemUTF8(values[i]);
        }

        return result;
    }

    private static void Free(nint[] pointers)
    {
        foreach (var p in pointers)
        {
            Marshal.FreeCoTaskMem(p);
        }
    }

    [LibraryImport("libc", EntryPoint = "execve", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int ExecVe(string path, nint[] argv, nint[] envp);
}
