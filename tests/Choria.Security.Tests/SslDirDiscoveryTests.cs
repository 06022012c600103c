using System.Diagnostics;
using System.Runtime.Versioning;

namespace Choria.Security.Tests;

/// <summary>
/// ssldir discovery when Puppet is slow, hangs or a caller gives up (docs/security.md), with fake printers and
/// with fake <c>puppet</c> scripts run by the real <see cref="PuppetConfigPrinter"/>.
/// </summary>
public sealed class SslDirDiscoveryTests : IDisposable
{
    private static readonly FakeEnvironment s_root = new() { IsRoot = true, HomeDirectory = "/home/bob" };

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Answers once <see cref="Release"/> is called; records the token it was given.</summary>
    private sealed class GatedPrinter : IPuppetConfigPrinter
    {
        private readonly TaskCompletionSource<string?> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Calls { get; private set; }

        public CancellationToken Token { get; private set; }

        public void Release(string? answer) => _answer.SetResult(answer);

        public async Task<string?> SslDirAsync(CancellationToken cancellationToken)
        {
            Calls++;
            Token = cancellationToken;
            return await _answer.Task.WaitAsync(cancellationToken);
        }
    }

    [Fact]
    public async Task A_caller_that_cancels_does_not_fail_later_callers()
    {
        var printer = new GatedPrinter();
        var locator = new PuppetSslDirLocator(printer, s_root, TimeSpan.FromMinutes(5));

        using var impatient = new CancellationTokenSource();
        var first = locator.LocateAsync(null, impatient.Token);
        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);

        var second = locator.LocateAsync(null, CancellationToken.None);
        printer.Release("/etc/puppetlabs/puppet/ssl");
        Assert.Equal("/etc/puppetlabs/puppet/ssl", await second);
        Assert.Equal("/etc/puppetlabs/puppet/ssl", await locator.LocateAsync(null, CancellationToken.None));

        Assert.Equal(1, printer.Calls);
        Assert.False(printer.Token.IsCancellationRequested);
    }

    [Fact]
    public async Task Puppet_that_never_answers_times_out_with_an_error_naming_the_fix()
    {
        var printer = new GatedPrinter();
        var locator = new PuppetSslDirLocator(printer, s_root, TimeSpan.FromMilliseconds(200));

        var ex = await Assert.ThrowsAsync<SecurityConfigurationException>(() => locator.LocateAsync(null, CancellationToken.None));
        Assert.Contains("did not answer within 0.2s", ex.Message, StringComparison.Ordinal);
        Assert.Contains("plugin.choria.ssldir", ex.Message, StringComparison.Ordinal);

        // The verdict is remembered: Puppet is not started again for every caller.
        await Assert.ThrowsAsync<SecurityConfigurationException>(() => locator.LocateAsync(null, CancellationToken.None));
        Assert.Equal(1, printer.Calls);

        // A configured ssldir never needs Puppet.
        Assert.Equal("/srv/ssl", await locator.LocateAsync("/srv/ssl", CancellationToken.None));
    }

    [Fact]
    public async Task Real_printer_runs_puppet_from_path_with_the_configprint_arguments()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var bin = FakePuppet("bin", "echo \"$@\" > \"$(dirname \"$0\")/args\"\necho /fake/puppet/ssl\n");
        var printer = new PuppetConfigPrinter(aioPath: _dir.Combine("no-aio", "puppet"), searchPath: _dir.Combine("empty") + Path.PathSeparator + bin);

        Assert.Equal("/fake/puppet/ssl", await printer.SslDirAsync(CancellationToken.None));
        Assert.Equal("apply --environment production --configprint ssldir", File.ReadAllText(Path.Combine(bin, "args")).Trim());

        var locator = new PuppetSslDirLocator(printer, s_root);
        Assert.Equal("/fake/puppet/ssl", await locator.LocateAsync(null, CancellationToken.None));
    }

    [Fact]
    public async Task Real_printer_prefers_the_aio_binary()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var aio = FakePuppet("aio", "echo /aio/ssl\n");
        var path = FakePuppet("bin", "echo /path/ssl\n");
        var printer = new PuppetConfigPrinter(aioPath: Path.Combine(aio, "puppet"), searchPath: path);
        Assert.Equal("/aio/ssl", await printer.SslDirAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Failing_or_missing_puppet_falls_back_to_the_home_directory()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var expected = Path.Combine("/home/bob", ".puppetlabs", "etc", "puppet", "ssl");
        var failing = FakePuppet("failing", "echo /ignored\nexit 3\n");
        var broken = new PuppetSslDirLocator(new PuppetConfigPrinter(_dir.Combine("no-aio"), failing), s_root);
        Assert.Equal(expected, await broken.LocateAsync(null, CancellationToken.None));

        var missing = new PuppetSslDirLocator(new PuppetConfigPrinter(_dir.Combine("no-aio"), _dir.Combine("empty")), s_root);
        Assert.Equal(expected, await missing.LocateAsync(null, CancellationToken.None));
    }

    [Fact]
    public async Task Hanging_puppet_times_out_and_is_killed()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var bin = FakePuppet("hang", "echo $$ > \"$(dirname \"$0\")/pid\"\nexec sleep 300\n");
        var locator = new PuppetSslDirLocator(new PuppetConfigPrinter(_dir.Combine("no-aio"), bin), s_root, TimeSpan.FromSeconds(1));

        var started = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<SecurityConfigurationException>(() => locator.LocateAsync(null, CancellationToken.None));
        Assert.Contains("did not answer within 1s", ex.Message, StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(60), $"took {started.Elapsed}");

        var pid = int.Parse(File.ReadAllText(Path.Combine(bin, "pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(await ExitedAsync(pid), $"fake puppet {pid} is still running");
    }

    [Fact]
    public async Task Caller_waiting_on_a_hanging_puppet_stops_waiting_with_its_own_token()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var bin = FakePuppet("slow", "sleep 2\necho /slow/ssl\n");
        var locator = new PuppetSslDirLocator(new PuppetConfigPrinter(_dir.Combine("no-aio"), bin), s_root, TimeSpan.FromSeconds(60));

        using var impatient = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => locator.LocateAsync(null, impatient.Token));

        // The shared question kept running and answers the next caller.
        Assert.Equal("/slow/ssl", await locator.LocateAsync(null, CancellationToken.None));
    }

    /// <summary>Writes an executable <c>puppet</c> shell script into a new directory and returns the directory.</summary>
    [UnsupportedOSPlatform("windows")]
    private string FakePuppet(string name, string body)
    {
        var dir = _dir.Combine(name);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "puppet");
        File.WriteAllText(path, "#!/bin/sh\n" + body);
        File.SetUnixFileMode(path, UnixFiles.Mode0755);
        return dir;
    }

    private static async Task<bool> ExitedAsync(int pid)
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                if (process.HasExited)
                {
                    return true;
                }
            }
            catch (ArgumentException)
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }
}
