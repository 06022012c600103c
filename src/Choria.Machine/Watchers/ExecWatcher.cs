using System.Text.Json;
using Choria.Machine.Manifest;
using Choria.Machine.Runtime;
using Microsoft.Extensions.Logging;

namespace Choria.Machine.Watchers;

/// <summary>
/// Runs a command on its interval and after state changes (docs/machines.md, "exec"): exit 0 is success, anything
/// else (including a timeout or a missing command) is an error. States: unknown, skipped, error, success.
/// </summary>
internal sealed partial class ExecWatcher : Watcher
{
    public const string Kind = "exec";

    /// <summary>The 2020 default; modern go-choria lowered it to 1s.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(500);

    private readonly string _command;
    private readonly TimeSpan _timeout;
    private readonly IReadOnlyList<string> _environment;
    private readonly bool _suppressSuccessAnnounce;
    private volatile string _state = "unknown";
    private long _previousRunNanos;

    public ExecWatcher(WatcherSpec spec, MachineInstance machine)
        : base(spec, machine)
    {
        _command = spec.Properties.RequiredString("command");
        _timeout = spec.Properties.Duration("timeout") ?? DefaultTimeout;
        _environment = spec.Properties.StringList("environment");
        _suppressSuccessAnnounce = spec.Properties.Bool("suppress_success_announce");
    }

    public override string StateName => _state;

    public static void Check(WatcherSpec spec)
    {
        spec.Properties.RequiredString("command");
        if (spec.Properties.Duration("timeout") is { } t && t <= TimeSpan.Zero)
        {
            throw spec.Properties.Error("timeout", "must be more than 0s");
        }

        foreach (var e in spec.Properties.StringList("environment").Where(e => e.IndexOf('=', StringComparison.Ordinal) <= 0))
        {
            throw spec.Properties.Error("environment", $"entry '{e}' is not of the form VAR=VALUE");
        }

        spec.Properties.Bool("suppress_success_announce");
        CheckInterval(spec, MinimumInterval);
    }

    internal static void CheckInterval(WatcherSpec spec, TimeSpan minimum)
    {
        if (spec.Interval is { } i && i < minimum)
        {
            throw new ManifestException($"watcher {spec.Name} interval {i.TotalMilliseconds}ms is too small, the minimum is {minimum.TotalMilliseconds}ms");
        }
    }

    public override Task RunAsync(CancellationToken cancellationToken) => LoopAsync(Spec.Interval, CheckAsync, cancellationToken);

    /// <summary>The command's environment: only these variables, nothing else is inherited.</summary>
    public IReadOnlyDictionary<string, string> Environment()
    {
        var env = CommandRunner.MachineEnvironment(Machine.Name, Name, Machine.Directory);
        foreach (var entry in _environment)
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            env[entry[..eq]] = entry[(eq + 1)..];
        }

        return env;
    }

    private async Task CheckAsync(CancellationToken cancellationToken)
    {
        if (!ShouldWatch())
        {
            _state = "skipped";
            return;
        }

        var result = await CommandRunner.RunAsync(_command, Machine.Directory, Environment(), _timeout, Clock, cancellationToken);
        Record(result.Error is null ? "success" : "error", result.Elapsed.Ticks * 100);
        Ran(result.Elapsed);
        if (result.Error is null)
        {
            LogSucceeded(Logger, Machine.Name, Name, _command, result.Elapsed.TotalSeconds);
            if (!_suppressSuccessAnnounce)
            {
                Announce();
            }
            else
            {
                Machine.Metrics.WatcherState(Machine.Name, Name, Type, _state);
            }

            await SuccessTransitionAsync(cancellationToken);
            return;
        }

        LogFailed(Logger, Machine.Name, Name, _command, result.Error, Trim(result.Output));
        Announce();
        await FailureTransitionAsync(cancellationToken);
    }

    /// <summary>Remembers a run's outcome for the state events.</summary>
    internal void Record(string outcome, long nanoseconds)
    {
        Interlocked.Exchange(ref _previousRunNanos, nanoseconds);
        _state = outcome;
    }

    private static string Trim(string output) => output.Length > 1024 ? output[..1024] + "..." : output.TrimEnd();

    protected override void WriteStateFields(Utf8JsonWriter writer)
    {
        writer.WriteString("command", _command);
        writer.WriteString("previous_outcome", _state);
        writer.WriteNumber("previous_run_time", Interlocked.Read(ref _previousRunNanos));
    }

    protected override string Summary() =>
        $"command: {_command}, previous: {_state} ran: {Interlocked.Read(ref _previousRunNanos) / 1e9:0.000}s";

    [LoggerMessage(Level = LogLevel.Debug, Message = "Machine {Machine} watcher {Watcher}: {Command} succeeded in {Seconds:0.000}s")]
    private static partial void LogSucceeded(ILogger logger, string machine, string watcher, string command, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Machine {Machine} watcher {Watcher}: {Command} failed: {Error}; output: {Output}")]
    private static partial void LogFailed(ILogger logger, string machine, string watcher, string command, string error, string output);
}
