using System.Diagnostics;
using System.Globalization;

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

/// <summary>ssldir discovery (docs/security.md), with Puppet's answer cached for the process.</summary>
public sealed class PuppetSslDirLocator
{
    /// <summary>How long Puppet may take; it normally answers in a few seconds.</summary>
    public static readonly TimeSpan DefaultPuppetTimeout = TimeSpan.FromSeconds(30);

    private readonly IPuppetConfigPrinter _printer;
    private readonly ISecurityEnvironment _environment;
    private readonly TimeSpan _puppetTimeout;
    private readonly Lock _lock = new();
    private Task<string?>? _puppetAnswer;

    public PuppetSslDirLocator(IPuppetConfigPrinter? printer = null, ISecurityEnvironment? environment = null, TimeSpan? puppetTimeout = null)
    {
        _printer = printer ?? new PuppetConfigPrinter();
        _environment = environment ?? SystemSecurityEnvironment.Instance;
        _puppetTimeout = puppetTimeout ?? DefaultPuppetTimeout;
    }

    /// <exception cref="SecurityConfigurationException">Puppet was asked and did not answer within the timeout.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; Puppet's answer is still cached for later callers.</exception>
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
                // The shared question must not carry any one caller's token: if that caller gave up, every
                // later caller would inherit its cancellation. Each caller only stops waiting for it. Task.Run keeps
                // the process start out of the lock.
                answer = _puppetAnswer ??= Task.Run(AskPuppetAsync, CancellationToken.None);
            }

            var ssldir = await answer.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(ssldir))
            {
                return ssldir;
            }
        }

        return Path.Combine(_environment.HomeDirectory ?? "", ".puppetlabs", "etc", "puppet", "ssl");
    }

    private async Task<string?> AskPuppetAsync()
    {
        using var timeout = new CancellationTokenSource(_puppetTimeout);
        try
        {
            return await _printer.SslDirAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new SecurityConfigurationException(string.Create(CultureInfo.InvariantCulture,
                $"'puppet apply --configprint ssldir' did not answer within {_puppetTimeout.TotalSeconds:0.###}s; ") +
                "set plugin.choria.ssldir to the Puppet SSL directory so Puppet is not asked");
        }
    }

    private string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(_environment.HomeDirectory ?? "", path.Length > 2 ? path[2..] : "")
            : path;
}
