using System.Diagnostics;

namespace Choria.Security;

/// <summary>Runs <c>puppet apply --configprint ssldir</c>; injectable because it takes seconds and needs Puppet.</summary>
public interface IPuppetConfigPrinter
{
    /// <summary>The ssldir Puppet reports, or null when Puppet is unavailable or fails.</summary>
    Task<string?> SslDirAsync(CancellationToken cancellationToken);
}

/// <summary>Asks the real Puppet binary: the AIO path first, then <c>puppet</c> on PATH.</summary>
public sealed class PuppetConfigPrinter : IPuppetConfigPrinter
{
    private const string AioUnix = "/opt/puppetlabs/bin/puppet";
    private const string AioWindows = @"C:\Program Files\Puppet Labs\Puppet\bin\puppet.bat";

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
            await process.WaitForExitAsync(cancellationToken);
            var text = (await output).TrimEnd('\r', '\n');
            await errors;
            return process.ExitCode == 0 && text.Length > 0 ? text : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            return null;
        }
    }

    private static string? FindPuppet()
    {
        var aio = OperatingSystem.IsWindows() ? AioWindows : AioUnix;
        if (File.Exists(aio))
        {
            return aio;
        }

        var name = OperatingSystem.IsWindows() ? "puppet.bat" : "puppet";
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
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

/// <summary>ssldir discovery (protocol.md 6.2), with Puppet's answer cached for the process.</summary>
public sealed class PuppetSslDirLocator
{
    private readonly IPuppetConfigPrinter _printer;
    private readonly ISecurityEnvironment _environment;
    private readonly Lock _lock = new();
    private Task<string?>? _puppetAnswer;

    public PuppetSslDirLocator(IPuppetConfigPrinter? printer = null, ISecurityEnvironment? environment = null)
    {
        _printer = printer ?? new PuppetConfigPrinter();
        _environment = environment ?? SystemSecurityEnvironment.Instance;
    }

    public async Task<string> LocateAsync(string? configured, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            return ExpandHome(configured);
        }

        if (_environment.IsRoot)
        {
            Task<string?> answer;
            lock (_lock)
            {
                answer = _puppetAnswer ??= _printer.SslDirAsync(cancellationToken);
            }

            var ssldir = await answer.WaitAsync(cancellationToken);
            if (!string.IsNullOrEmpty(ssldir))
            {
                return ssldir;
            }
        }

        return Path.Combine(_environment.HomeDirectory ?? "", ".puppetlabs", "etc", "puppet", "ssl");
    }

    private string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(_environment.HomeDirectory ?? "", path.Length > 2 ? path[2..] : "")
            : path;
}
