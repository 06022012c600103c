using Choria.Machine.Manifest;
using Choria.Machine.Notifications;
using Choria.Machine.Watchers;
using Microsoft.Extensions.Logging;

namespace Choria.Machine.Runtime;

/// <summary>
/// One running autonomous agent (docs/machines.md): its state machine, watchers and events. Watchers fire
/// transitions through <see cref="FireAsync"/> (throttled when they loop fast); RPC through <see cref="Transition"/>.
/// </summary>
public sealed partial class MachineInstance : IAsyncDisposable
{
    private readonly StateMachine _fsm;
    private readonly ILogger _logger;
    private readonly List<Watcher> _watchers;
    private readonly Queue<long> _recentTransitions = new();
    private readonly Lock _throttleLock = new();
    private readonly SemaphoreSlim _fireGate = new(1, 1);
    private readonly IReadOnlyList<string> _states;
    private CancellationTokenSource? _stopping;
    private List<Task> _tasks = [];
    private bool _throttling;

    public MachineInstance(MachineManifest manifest, string directory, MachineContext context, string? id = null)
    {
        Manifest = manifest;
        Directory = directory;
        Context = context;
        Id = id ?? Guid.NewGuid().ToString();
        _logger = context.Loggers.CreateLogger("Choria.Machine." + manifest.Name);
        _fsm = new StateMachine(manifest.InitialState, manifest.Transitions);
        _states = manifest.States();
        EventSource = new MachineEventSource(context.Identity, Id, manifest.Version, manifest.Name);
        _watchers = [.. manifest.Watchers.Select(w => (WatcherKinds.Find(w.Type) ?? throw new ManifestException($"watcher {w.Name} has unknown type '{w.Type}'")).Create(w, this))];
    }

    public MachineManifest Manifest { get; }

    public MachineContext Context { get; }

    public string Name => Manifest.Name;

    public string Version => Manifest.Version;

    /// <summary>The machine's directory; commands run there and file paths are relative to it.</summary>
    public string Directory { get; }

    /// <summary>Instance id, new each time the machine is loaded.</summary>
    public string Id { get; }

    public DateTimeOffset StartTime { get; private set; }

    public string State => _fsm.Current;

    public IReadOnlyList<Watcher> Watchers => _watchers;

    public MachineEventSource EventSource { get; }

    public TimeProvider Clock => Context.Clock;

    public MachineMetrics Metrics => Context.Metrics;

    public IReadOnlyList<string> AvailableTransitions() => _fsm.AvailableTransitions();

    public bool Can(string transition) => _fsm.Can(transition);

    internal ILogger LoggerFor(string watcher) => Context.Loggers.CreateLogger($"Choria.Machine.{Manifest.Name}.{watcher}");

    /// <summary>Starts the watchers (after the manifest's splay) and nudges them once to look at the initial state.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_stopping is not null)
        {
            return Task.CompletedTask;
        }

        _stopping = new CancellationTokenSource();
        var token = _stopping.Token;
        StartTime = Clock.GetUtcNow();
        Metrics.State(Name, _states, State);
        _tasks = [Task.Run(() => RunAsync(token), CancellationToken.None)];
        return Task.CompletedTask;
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (Manifest.SplayStart > 0)
            {
                var splay = TimeSpan.FromSeconds(Context.Random(Manifest.SplayStart));
                LogSplay(Name, splay.TotalSeconds);
                await Task.Delay(splay, Clock, cancellationToken);
            }

            LogStarting(Name, Version, Directory, Id);
            var tasks = new List<Task>();
            foreach (var w in _watchers)
            {
                tasks.Add(Task.Run(() => w.RunAsync(cancellationToken), CancellationToken.None));
                if (w.Spec.AnnounceInterval is { } ai)
                {
                    tasks.Add(Task.Run(() => w.AnnounceLoopAsync(ai, cancellationToken), CancellationToken.None));
                }

                w.Nudge();
            }

            await Task.WhenAll(tasks);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped during the splay.
        }
    }

    /// <summary>Stops every watcher; a running command is killed.</summary>
    public async Task StopAsync()
    {
        if (_stopping is not { } stopping)
        {
            return;
        }

        await stopping.CancelAsync();
        await Task.WhenAll(_tasks);
        LogStopped(Name, Version, Id);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stopping?.Dispose();
        _fireGate.Dispose();
    }

    /// <summary>
    /// Fires <paramref name="transition"/> now (RPC, the CLI); an invalid one is a warned no-op. Returns whether the
    /// machine moved.
    /// </summary>
    public bool Transition(string transition, string firedBy = "")
    {
        if (transition.Length == 0)
        {
            return false;
        }

        if (!_fsm.TryFire(transition, out var from, out var to))
        {
            LogInvalidTransition(Name, transition, from);
            Metrics.InvalidTransition(Name);
            return false;
        }

        Entered(transition, from, to, firedBy);
        return true;
    }

    /// <summary>
    /// Fires a watcher's transition. A fast loop of watcher-fired transitions is slowed to one per
    /// <see cref="MachineContext.ThrottleDelay"/> until the machine has been quiet for a
    /// <see cref="MachineContext.ThrottleWindow"/>.
    /// </summary>
    public async ValueTask FireAsync(string transition, string watcher, CancellationToken cancellationToken)
    {
        if (transition.Length == 0)
        {
            return;
        }

        await _fireGate.WaitAsync(cancellationToken);
        try
        {
            var wait = ThrottleWait();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, Clock, cancellationToken);
            }

            Transition(transition, watcher);
        }
        finally
        {
            _fireGate.Release();
        }
    }

    private TimeSpan ThrottleWait()
    {
        lock (_throttleLock)
        {
            var now = Clock.GetTimestamp();
            while (_recentTransitions.TryPeek(out var oldest) && Clock.GetElapsedTime(oldest, now) > Context.ThrottleWindow)
            {
                _recentTransitions.Dequeue();
            }

            if (_recentTransitions.Count < Context.ThrottleBurst)
            {
                if (_throttling)
                {
                    _throttling = false;
                    LogThrottleEnded(Name);
                }

                return TimeSpan.Zero;
            }

            if (!_throttling)
            {
                _throttling = true;
                LogThrottling(Name, _recentTransitions.Count, Context.ThrottleWindow.TotalSeconds, Context.ThrottleDelay.TotalSeconds);
            }

            var sinceLast = Clock.GetElapsedTime(_recentTransitions.Last(), now);
            return sinceLast < Context.ThrottleDelay ? Context.ThrottleDelay - sinceLast : TimeSpan.Zero;
        }
    }

    private void Entered(string transition, string from, string to, string firedBy)
    {
        lock (_throttleLock)
        {
            _recentTransitions.Enqueue(Clock.GetTimestamp());
            while (_recentTransitions.Count > Context.ThrottleBurst)
            {
                _recentTransitions.Dequeue();
            }
        }

        LogTransitioned(Name, transition, from, to, firedBy.Length > 0 ? firedBy : "request");
        Metrics.Transitioned(Name);
        Metrics.State(Name, _states, to);
        try
        {
            Context.Notifier.Transition(new TransitionNotification(EventSource, Clock.GetUtcNow().ToUnixTimeSeconds(), transition, from, to));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogNotifyFailed(e, Name);
        }

        foreach (var w in _watchers)
        {
            w.Nudge();
        }
    }

    internal void NotifyWatcherState(WatcherStateNotification notification)
    {
        try
        {
            Context.Notifier.WatcherState(notification);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogNotifyFailed(e, Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Machine {Machine} sleeping {Seconds}s before starting (splay_start)")]
    private partial void LogSplay(string machine, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Starting machine {Machine} version {Version} from {Directory} with instance id {Id}")]
    private partial void LogStarting(string machine, string version, string directory, string id);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped machine {Machine} version {Version} instance {Id}")]
    private partial void LogStopped(string machine, string version, string id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Machine {Machine}: could not fire '{Transition}' event while in {State}")]
    private partial void LogInvalidTransition(string machine, string transition, string state);

    [LoggerMessage(Level = LogLevel.Information, Message = "Machine {Machine} transitioned via event {Transition}: {From} => {To} (fired by {FiredBy})")]
    private partial void LogTransitioned(string machine, string transition, string from, string to, string firedBy);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Machine {Machine} made {Count} transitions within {Window}s, slowing to one transition every {Delay}s until it calms down")]
    private partial void LogThrottling(string machine, int count, double window, double delay);

    [LoggerMessage(Level = LogLevel.Information, Message = "Machine {Machine} calmed down, no longer throttling its transitions")]
    private partial void LogThrottleEnded(string machine);

    [LoggerMessage(Level = LogLevel.Error, Message = "Machine {Machine} could not send an event")]
    private partial void LogNotifyFailed(Exception exception, string machine);
}
