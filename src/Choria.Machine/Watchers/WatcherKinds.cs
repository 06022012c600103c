using System.Collections.Concurrent;
using Choria.Machine.Manifest;
using Choria.Machine.Runtime;

namespace Choria.Machine.Watchers;

/// <summary>
/// One type of watcher (<c>exec</c>, <c>file</c>...). HOOK POINT: compile-in plugins add their own kinds with
/// <see cref="WatcherKinds.Register"/> before the server starts (docs/machines.md, "Watcher kinds").
/// </summary>
public interface IWatcherKind
{
    /// <summary>The manifest's <c>type</c> value, also the event subject part <c>choria.machine.watcher.TYPE.state</c>.</summary>
    string Type { get; }

    /// <summary>Checks the entry's properties and settings; throws <see cref="ManifestException"/> naming the field.</summary>
    void Check(WatcherSpec spec);

    /// <summary>Builds the watcher for a loaded machine; called only for entries that passed <see cref="Check"/>.</summary>
    Watcher Create(WatcherSpec spec, MachineInstance machine);
}

/// <summary>A watcher kind from two delegates, for plugins that need no class of their own.</summary>
public sealed class WatcherKind(string type, Action<WatcherSpec> check, Func<WatcherSpec, MachineInstance, Watcher> create) : IWatcherKind
{
    public string Type => type;

    public void Check(WatcherSpec spec) => check(spec);

    public Watcher Create(WatcherSpec spec, MachineInstance machine) => create(spec, machine);
}

/// <summary>The registry of watcher kinds: the built-ins, plus whatever plugins registered.</summary>
public static class WatcherKinds
{
    private static readonly ConcurrentDictionary<string, IWatcherKind> s_kinds = new(StringComparer.Ordinal);

    static WatcherKinds()
    {
        foreach (var kind in new IWatcherKind[]
        {
            new WatcherKind(ExecWatcher.Kind, ExecWatcher.Check, (s, m) => new ExecWatcher(s, m)),
            new WatcherKind(FileWatcher.Kind, FileWatcher.Check, (s, m) => new FileWatcher(s, m)),
            new WatcherKind(ScheduleWatcher.Kind, ScheduleWatcher.Check, (s, m) => new ScheduleWatcher(s, m)),
            new WatcherKind(TimerWatcher.Kind, TimerWatcher.Check, (s, m) => new TimerWatcher(s, m)),
            new WatcherKind(NagiosWatcher.Kind, NagiosWatcher.Check, (s, m) => new NagiosWatcher(s, m)),
        })
        {
            s_kinds[kind.Type] = kind;
        }
    }

    /// <summary>Known types, sorted.</summary>
    public static IReadOnlyList<string> Types => [.. s_kinds.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Adds or replaces a kind; machines loaded afterwards can use it.</summary>
    public static void Register(IWatcherKind kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        if (string.IsNullOrWhiteSpace(kind.Type) || kind.Type.Any(c => c is '.' or '*' or '>' || char.IsWhiteSpace(c)))
        {
            throw new ArgumentException($"'{kind.Type}' cannot be a watcher type: it becomes part of a NATS subject", nameof(kind));
        }

        s_kinds[kind.Type] = kind;
    }

    public static IWatcherKind? Find(string type) => s_kinds.TryGetValue(type, out var kind) ? kind : null;
}
