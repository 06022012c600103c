using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Choria.Broker.Network;

/// <summary>
/// Runs the real nats-server as a child process (docs/broker.md): renders its config into a
/// private runtime directory, relays its logs, waits for readiness, restarts it with back-off when it
/// dies, reloads on request and stops it with SIGINT (SIGKILL after the soft-shutdown grace).
/// </summary>
internal sealed partial class NatsServerSupervisor : IAsyncDisposable
{
    private const int RecentLineCount = 20;
    private static readonly TimeSpan s_healthyRun = TimeSpan.FromSeconds(60);

    private readonly ILogger _logger;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly Queue<(LogLevel Level, string Message)> _recent = new();
    private readonly Lock _recentLock = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Random _random = new();
    private readonly Lock _renderLock = new();
    private NetworkBrokerOptions _options;
    private RuntimeDirectory? _runtimeDir;
    private ProcessLauncher? _launcher;
    private string? _binary;
    private string? _configPath;
    private volatile Process? _process;
    private Task? _watch;
    private int _restarts;
    private volatile bool _ready;
    private bool _warnedNoOrphanProtection;

    public NatsServerSupervisor(NetworkBrokerOptions options, ILogger<NatsServerSupervisor> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = logger;
    }

    /// <summary>Times the child was restarted after dying unexpectedly.</summary>
    public int Restarts => Volatile.Read(ref _restarts);

    /// <summary>PID of the current child, null when none runs.</summary>
    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>True while a child runs and has passed the readiness check.</summary>
    public bool IsReady => _ready && _process is { HasExited: false };

    /// <summary>The options in effect, including the chosen internal monitor port.</summary>
    public NetworkBrokerOptions Options => _options;

    /// <summary>Base URI of the loopback-only nats-server monitor.</summary>
    public Uri MonitorUri => new($"http://127.0.0.1:{_options.MonitorPort}/");

    /// <summary>Path of the rendered config file while running.</summary>
    public string? ConfigPath => _configPath;

    /// <summary>Renders, validates and starts nats-server and waits until it accepts connections.</summary>
    /// <exception cref="BrokerConfigException">The options cannot be rendered.</exception>
    /// <exception cref="BrokerStartException">No binary, or the child failed to start or become ready.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_watch is not null || _stopping.IsCancellationRequested)
        {
            throw new InvalidOperationException("a nats-server supervisor starts once; create a new one after stopping");
        }

        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the network broker supervises nats-server with POSIX signals");
        }

        _binary = NatsBinaryLocator.Find(_options.NatsServerPath, Environment.GetEnvironmentVariable("PATH"));
        _runtimeDir = RuntimeDirectory.Create(Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR"));
        _launcher = new ProcessLauncher();
        try
        {
            _options = _options with
            {
                MonitorPort = _options.MonitorPort > 0 ? _options.MonitorPort : FreeLoopbackPort(),
                PortsFileDirectory = _runtimeDir.Path,
            };
            RenderAndWrite();
            await ValidateAsync(cancellationToken);
            await LaunchAsync(cancellationToken);
        }
        catch
        {
            Cleanup();
            throw;
        }

        _watch = Task.Run(() => WatchAsync(_stopping.Token), CancellationToken.None);
    }

    /// <summary>
    /// Re-renders the config (optionally from new options, e.g. after a SIGHUP re-read or certificate
    /// rotation) and sends SIGHUP. nats-server reloads what it can (TLS, auth, limits such as
    /// write_deadline); listener changes need a restart. Options that do not render leave the running
    /// config and options untouched.
    /// </summary>
    /// <exception cref="BrokerConfigException">The updated options cannot be rendered.</exception>
    public void Reload(NetworkBrokerOptions? updated = null)
    {
        lock (_renderLock)
        {
            if (_runtimeDir is null)
            {
                throw new InvalidOperationException("nats-server supervisor is not running");
            }

            var candidate = updated is null
                ? _options
                : updated with { MonitorPort = _options.MonitorPort, PortsFileDirectory = _options.PortsFileDirectory };
            RenderAndWrite(candidate);
            _options = candidate;
            if (_process is { HasExited: false } p)
            {
                LogReloading(_logger, p.Id);
                _ = NativeMethods.Kill(p.Id, NativeMethods.SigHup);
            }
        }
    }

    /// <summary>Stops the child: SIGINT, wait <see cref="NetworkBrokerOptions.SoftShutdownTimeout"/>, then SIGKILL.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        if (_watch is not null)
        {
            await _watch;
        }

        if (_process is { } p)
        {
            await TerminateAsync(p, cancellationToken);
            p.Dispose();
            _process = null;
        }

        Cleanup();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _stopping.Dispose();
        _http.Dispose();
    }

    private void Cleanup()
    {
        _ready = false;
        _launcher?.Dispose();
        _launcher = null;
        lock (_renderLock)
        {
            _runtimeDir?.Dispose();
            _runtimeDir = null;
            _configPath = null;
        }
    }

    private void RenderAndWrite() => RenderAndWrite(_options);

    private void RenderAndWrite(NetworkBrokerOptions options)
    {
        // A reload (signal thread) and a restart (watch loop) may render at the same time.
        lock (_renderLock)
        {
            var result = NatsServerConfigRenderer.RenderWithNotes(options);
            foreach (var note in result.Notes)
            {
                LogRenderNote(_logger, note);
            }

            _configPath = _runtimeDir!.WriteSecretFile("nats-server.conf", result.Config);
        }
    }

    private async Task ValidateAsync(CancellationToken cancellationToken)
    {
        var (versionCode, versionText) = await RunToolAsync(["--version"], cancellationToken);
        if (versionCode != 0 || !NatsVersion.TryParse(versionText, out var version))
        {
            throw new BrokerStartException($"could not determine the version of {_binary}: {FirstLine(versionText)}");
        }

        if (version < NatsVersion.Minimum)
        {
            throw new BrokerStartException($"{_binary} is nats-server {version}; {NatsVersion.Minimum} or newer is required");
        }

        var (code, text) = await RunToolAsync(["-t", "-c", _configPath!], cancellationToken);
        if (code != 0)
        {
            throw new BrokerConfigException($"nats-server rejected the rendered configuration: {FirstLine(text)}");
        }
    }

    private async Task<(int ExitCode, string Output)> RunToolAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(_binary!, arguments)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info) ?? throw new BrokerStartException($"could not run {_binary}");
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, (await stderr + "\n" + await stdout).Trim());
    }

    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "no output";

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        lock (_recentLock)
        {
            _recent.Clear();
        }

        var (file, args, orphanProtection) = ProcessLauncher.BuildCommand(_binary!, ["-c", _configPath!]);
        if (!orphanProtection && !_warnedNoOrphanProtection)
        {
            _warnedNoOrphanProtection = true;
            LogNoOrphanProtection(_logger, ProcessLauncher.SetPriv);
        }

        var info = new ProcessStartInfo(file)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        var process = await _launcher!.StartAsync(info);
        process.StandardInput.Close();
        process.OutputDataReceived += OnOutput;
        process.ErrorDataReceived += OnOutput;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        LogStarted(_logger, process.Id, _configPath!);

        try
        {
            await WaitReadyAsync(process, cancellationToken);
        }
        catch
        {
            await TerminateAsync(process, CancellationToken.None);
            throw;
        }

        _ready = true;
        LogReady(_logger, process.Id, _options.ClientPort);
    }

    private async Task WaitReadyAsync(Process process, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                await process.WaitForExitAsync(CancellationToken.None);
                throw new BrokerStartException($"nats-server exited during startup with code {process.ExitCode}: {LastProblem()}");
            }

            if (await HealthyAsync(cancellationToken))
            {
                return;
            }

            if (deadline.Elapsed > _options.ReadinessTimeout)
            {
                throw new BrokerStartException($"nats-server did not accept connections within {_options.ReadinessTimeout.TotalSeconds:0}s: {LastProblem()}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    private async Task<bool> HealthyAsync(CancellationToken cancellationToken)
    {
        try
        {
            // nats-server 2.9 answers /healthz with 200 only once every listener accepts connections; a TCP
            // probe of the client port would add nothing but a "TLS handshake error" line to its log.
            using var response = await _http.GetAsync(new Uri(MonitorUri, "healthz"), cancellationToken);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception ex) when (ex is HttpRequestException or SocketException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task WatchAsync(CancellationToken stopping)
    {
        var attempt = 0;
        while (!stopping.IsCancellationRequested)
        {
            var process = _process!;
            var started = Stopwatch.StartNew();
            try
            {
                await process.WaitForExitAsync(stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            _ready = false;
            LogUnexpectedExit(_logger, process.Id, process.ExitCode, LastProblem());

            // Cleared before disposing: a StopAsync during the back-off below must not touch a disposed Process.
            _process = null;
            process.Dispose();
            if (started.Elapsed > s_healthyRun)
            {
                attempt = 0;
            }

            while (!stopping.IsCancellationRequested)
            {
                attempt++;
                var delay = Choria.Connector.Backoff.TwentySec.Duration(attempt, _random);
                LogRestarting(_logger, delay.TotalMilliseconds, attempt);
                try
                {
                    await Task.Delay(delay, stopping);
                    Interlocked.Increment(ref _restarts);
                    RenderAndWrite();
                    await LaunchAsync(stopping);
                    break;
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (Exception ex) when (ex is BrokerStartException or BrokerConfigException or IOException)
                {
                    LogRestartFailed(_logger, ex.Message);
                }
            }
        }
    }

    private async Task TerminateAsync(Process process, CancellationToken cancellationToken)
    {
        _ready = false;
        if (!process.HasExited)
        {
            _ = NativeMethods.Kill(process.Id, NativeMethods.SigInt);
            using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            grace.CancelAfter(_options.SoftShutdownTimeout);
            try
            {
                await process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                LogKilling(_logger, process.Id, _options.SoftShutdownTimeout.TotalSeconds);
                process.Kill();
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }

        LogStopped(_logger, process.Id, process.ExitCode);
    }

    private void OnOutput(object sender, DataReceivedEventArgs e)
    {
        if (string.IsNullOrWhiteSpace(e.Data))
        {
            return;
        }

        var (level, message) = NatsLogLine.Parse(e.Data);
        lock (_recentLock)
        {
            if (_recent.Count == RecentLineCount)
            {
                _recent.Dequeue();
            }

            _recent.Enqueue((level, message));
        }

        LogChild(_logger, level, message);
    }

    /// <summary>The last error/fatal line of the child, else its last line: the reason it failed.</summary>
    private string LastProblem()
    {
        lock (_recentLock)
        {
            var lines = _recent.ToArray();
            var problem = lines.LastOrDefault(l => l.Level >= LogLevel.Error);
            return problem.Message ?? (lines.Length > 0 ? lines[^1].Message : "no output");
        }
    }

    internal static string ClientConnectHost(string listenAddress) =>
        listenAddress is "::" or "0.0.0.0" or "" or "[::]" ? "127.0.0.1" : listenAddress;

    internal static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // The child's own level decides the level here; "network_broker" mirrors the Go component name.
    [LoggerMessage(EventId = 1, Message = "network_broker: {Message}")]
    private static partial void LogChild(ILogger logger, LogLevel level, string message);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Started nats-server pid {Pid} with {Config}")]
    private static partial void LogStarted(ILogger logger, int pid, string config);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "nats-server pid {Pid} accepts connections on port {Port}")]
    private static partial void LogReady(ILogger logger, int pid, int port);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "nats-server pid {Pid} exited unexpectedly with code {Code}: {Reason}")]
    private static partial void LogUnexpectedExit(ILogger logger, int pid, int code, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Restarting nats-server in {DelayMs:0} ms (attempt {Attempt})")]
    private static partial void LogRestarting(ILogger logger, double delayMs, int attempt);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "Restarting nats-server failed: {Reason}")]
    private static partial void LogRestartFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "nats-server pid {Pid} did not stop within {Seconds}s of SIGINT, killing it")]
    private static partial void LogKilling(ILogger logger, int pid, double seconds);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "nats-server pid {Pid} stopped with code {Code}")]
    private static partial void LogStopped(ILogger logger, int pid, int code);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "Reloading nats-server pid {Pid} (SIGHUP)")]
    private static partial void LogReloading(ILogger logger, int pid);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "nats-server config: {Note}")]
    private static partial void LogRenderNote(ILogger logger, string note);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "{SetPriv} is not installed: nats-server will not be killed if this process dies (orphan protection is off; install util-linux)")]
    private static partial void LogNoOrphanProtection(ILogger logger, string setPriv);
}
