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
