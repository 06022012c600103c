using System.Diagnostics;

namespace Choria.Security;

/// <summary>Asks the real Puppet binary: the AIO path first, then <c>puppet</c> on PATH.</summary>
public sealed class PuppetConfigPrinter : IPuppetConfigPrinter
{
    private const string AioUnix = "/opt/puppetlabs/bin/puppet";
    private const string AioWindows = @"C:\Program Files\Puppet Labs\Puppet\bin\puppet.bat";

    private readonly string _aioPath;
    private readonly string? _searchPath;

    /// <param name="aioPath">The AIO binary; <c>null</c> is the platform's Puppet AIO location.</param>
    /// <param name="searchPath">The PATH to search next; <c>null</c> reads the process PATH when asked.</param>
    public PuppetConfigPrinter(string? aioPath = null, string? searchPath = null)
    {
        _aioPath = aioPath ?? (OperatingSystem.IsWindows() ? AioWindows : AioUnix);
        _searchPath = searchPath;
    }

    /// <exception cref="OperationCanceledException">Cancelled; the Puppet process has been killed.</exception>
    public async Task<string?> SslDirAsync(CancellationToken cancellationToken)
    {
        var binary = FindPuppet();
        if (binary is null)
        {
            return null;
        }

        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "apply", "--environment", "production", "--configprint", "ssldir" })
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Disposing the Process object does not stop the child; a hung puppet would outlive us.
                Kill(process);
                throw;
            }

            var text = (await output.ConfigureAwait(false)).TrimEnd('\r', '\n');
            await errors.ConfigureAwait(false);
            return process.ExitCode == 0 && text.Length > 0 ? text : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            return null;
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // Already exited, or not ours to kill: nothing is left running that we could stop.
        }
    }

    private string? FindPuppet()
    {
        if (File.Exists(_aioPath))
        {
            return _aioPath;
        }

        var name = OperatingSystem.IsWindows() ? "puppet.bat" : "puppet";
        foreach (var directory in (_searchPath ?? Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
