using Prometheus;

namespace Choria.Machine.Runtime;

/// <summary>
/// Prometheus metrics of the machines (docs/machines.md, "Metrics"). Run times are a counter pair (runs and total
/// seconds) rather than a histogram: a thousand machines with five watchers each would otherwise carry tens of
/// thousands of bucket series.
/// </summary>
public sealed class MachineMetrics
{
    private readonly Gauge _state;
    private readonly Counter _transitions;
    private readonly Gauge _watcherState;
    private readonly Counter _watcherRuns;
    private readonly Counter _watcherRunSeconds;
    private readonly Counter _dropped;
    private readonly Counter _loadErrors;
    private readonly Gauge _machines;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Machine, string Watcher), string> _lastWatcherState = new();

    public MachineMetrics(CollectorRegistry registry)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _state = factory.CreateGauge("choria_machine_state", "1 for the state each autonomous agent is in, 0 for its other states", ["machine", "state"]);
        _transitions = factory.CreateCounter("choria_machine_transitions", "Transitions performed by each autonomous agent", ["machine"]);
        _watcherState = factory.CreateGauge("choria_machine_watcher_state", "1 for the state each watcher last reported", ["machine", "watcher", "type", "state"]);
        _watcherRuns = factory.CreateCounter("choria_machine_watcher_runs", "Checks run by each watcher", ["machine", "watcher", "type"]);
        _watcherRunSeconds = factory.CreateCounter("choria_machine_watcher_run_seconds", "Total seconds spent in each watcher's checks", ["machine", "watcher", "type"]);
        _dropped = factory.CreateCounter("choria_machine_invalid_transitions", "Transitions fired while not valid in the current state (ignored)", ["machine"]);
        _loadErrors = factory.CreateCounter("choria_machine_load_errors", "Machine directories that could not be loaded from the store");
        _machines = factory.CreateGauge("choria_machines", "Autonomous agents running");
    }

    /// <summary>Metrics that go nowhere (the CLI's <c>machine run</c>, tests that do not look at them).</summary>
    public static MachineMetrics Unregistered() => new(Prometheus.Metrics.NewCustomRegistry());

    public void State(string machine, IReadOnlyList<string> states, string current)
    {
        foreach (var s in states)
        {
            _state.WithLabels(machine, s).Set(s == current ? 1 : 0);
        }
    }

    public void Transitioned(string machine) => _transitions.WithLabels(machine).Inc();

    public void InvalidTransition(string machine) => _dropped.WithLabels(machine).Inc();

    public void WatcherState(string machine, string watcher, string type, string state)
    {
        var previous = _lastWatcherState.GetValueOrDefault((machine, watcher));
        if (previous == state)
        {
            return;
        }

        if (previous is not null)
        {
            _watcherState.RemoveLabelled(machine, watcher, type, previous);
        }

        _lastWatcherState[(machine, watcher)] = state;
        _watcherState.WithLabels(machine, watcher, type, state).Set(1);
    }

    public void WatcherRun(string machine, string watcher, string type, TimeSpan elapsed)
    {
        _watcherRuns.WithLabels(machine, watcher, type).Inc();
        _watcherRunSeconds.WithLabels(machine, watcher, type).Inc(elapsed.TotalSeconds);
    }

    public void LoadError() => _loadErrors.Inc();

    public void Running(int count) => _machines.Set(count);

    /// <summary>Drops every series of a stopped machine so replaced and removed machines do not linger.</summary>
    public void Forget(string machine) => Forget([machine]);

    /// <summary>Drops the series of many machines in one pass over each metric (a host stopping a thousand at once).</summary>
    public void Forget(IReadOnlyCollection<string> machines)
    {
        var names = machines as IReadOnlySet<string> ?? new HashSet<string>(machines, StringComparer.Ordinal);
        foreach (var key in _lastWatcherState.Keys.Where(k => names.Contains(k.Machine)))
        {
            _lastWatcherState.TryRemove(key, out _);
        }

        _state.RemoveLabelled(l => names.Contains(l[0]));
        _watcherState.RemoveLabelled(l => names.Contains(l[0]));
        _transitions.RemoveLabelled(l => names.Contains(l[0]));
        _dropped.RemoveLabelled(l => names.Contains(l[0]));
        _watcherRuns.RemoveLabelled(l => names.Contains(l[0]));
        _watcherRunSeconds.RemoveLabelled(l => names.Contains(l[0]));
    }
}

internal static class CollectorExtensions
{
    public static void RemoveLabelled<TChild>(this Collector<TChild> collector, Func<string[], bool> match)
        where TChild : ChildBase
    {
        foreach (var labels in collector.GetAllLabelValues().Where(match).ToList())
        {
            collector.RemoveLabelled(labels);
        }
    }
}
