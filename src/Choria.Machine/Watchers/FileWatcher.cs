using System.Text.Json;
using Choria.Machine.Manifest;
using Choria.Machine.Runtime;
using Microsoft.Extensions.Logging;

namespace Choria.Machine.Watchers;

/// <summary>
/// Watches a file's modification time (docs/machines.md, "file"): missing is an error (fail transition), newer than
/// last seen is changed (success transition), else unchanged. States: unknown, error, skipped, unchanged, changed.
/// </summary>
internal sealed partial class FileWatcher : Watcher
{
    public const string Kind = "file";

    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);

    private readonly string _path;
    private readonly bool _gatherInitialState;
    private DateTime? _mtime;
    private volatile string _state = "unknown";

    /// <summary>Sets the outcome the state events report (what a check would have found).</summary>
    internal string Outcome
    {
        get => _state;
        set => _state = value;
    }

    public FileWatcher(WatcherSpec spec, MachineInstance machine)
        : base(spec, machine)
    {
        _path = spec.Properties.RequiredString("path");
        _gatherInitialState = spec.Properties.Bool("gather_initial_state");
        if (_gatherInitialState && File.Exists(FullPath))
        {
            _mtime = File.GetLastWriteTimeUtc(FullPath);
        }
    }

    public override string StateName => _state;

    private string FullPath => Path.IsPathRooted(_path) ? _path : Path.Combine(Machine.Directory, _path);

    public static void Check(WatcherSpec spec)
    {
        spec.Properties.RequiredString("path");
        spec.Properties.Bool("gather_initial_state");
        ExecWatcher.CheckInterval(spec, ExecWatcher.MinimumInterval);
    }

    public override Task RunAsync(CancellationToken cancellationToken) => LoopAsync(Spec.Interval ?? DefaultInterval, CheckAsync, cancellationToken);

    private async Task CheckAsync(CancellationToken cancellationToken)
    {
        var started = Clock.GetTimestamp();
        if (!ShouldWatch())
        {
            _state = "skipped";
            if (!_gatherInitialState)
            {
                _mtime = null;
            }

            return;
        }

        var info = new FileInfo(FullPath);
        Ran(Clock.GetElapsedTime(started));
        if (!info.Exists)
        {
            _mtime = null;
            if (_state != "error")
            {
                LogMissing(Logger, Machine.Name, Name, info.FullName);
            }

            _state = "error";
            Announce();
            await FailureTransitionAsync(cancellationToken);
            return;
        }

        var mtime = info.LastWriteTimeUtc;
        if (_mtime is { } seen && mtime <= seen)
        {
            _state = "unchanged";
            Machine.Metrics.WatcherState(Machine.Name, Name, Type, _state);
            return;
        }

        _mtime = mtime;
        _state = "changed";
        Announce();
        await SuccessTransitionAsync(cancellationToken);
    }

    protected override void WriteStateFields(Utf8JsonWriter writer)
    {
        writer.WriteString("path", FullPath);
        writer.WriteString("previous_outcome", _state);
    }

    protected override string Summary() => $"path: {FullPath}: {_state}";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Machine {Machine} watcher {Watcher}: {Path} does not exist")]
    private static partial void LogMissing(ILogger logger, string machine, string watcher, string path);
}
