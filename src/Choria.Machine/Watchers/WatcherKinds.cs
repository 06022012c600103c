using System.Collections.Concurrent;

namespace Choria.Machine.Watchers;

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
