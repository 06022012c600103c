using Choria.Machine.Manifest;
using Choria.Machine.Runtime;

namespace Choria.Machine.Watchers;

/// <summary>A watcher kind from two delegates, for plugins that need no class of their own.</summary>
public sealed class WatcherKind(string type, Action<WatcherSpec> check, Func<WatcherSpec, MachineInstance, Watcher> create) : IWatcherKind
{
    public string Type => type;

    public void Check(WatcherSpec spec) => check(spec);

    public Watcher Create(WatcherSpec spec, MachineInstance machine) => create(spec, machine);
}
