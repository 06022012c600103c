using Choria.Framework.Plugins;
using Choria.Machine.Runtime;
using Choria.Machine.Watchers;
using Choria.Sdk;
using Choria.Server.Agents.Providers;
using Choria.Server.Data.Plugins;

namespace Choria.Server.Plugins;

/// <summary>
/// The plugins compiled into this binary (docs/plugins.md). The build generates one call to <see cref="Register"/>
/// per <c>user_plugins.yaml</c> entry, run once at start-up before any command: no assembly is scanned at run
/// time. Registration checks the instance against its kind so a wrong plugin stops the binary at once with the
/// plugin's name, as Go's generated init does.
/// </summary>
public sealed class CompiledPlugins
{
    private readonly List<CompiledPlugin> _plugins = [];
    private readonly Lock _lock = new();

    /// <summary>The binary's registry, filled by the generated registration code.</summary>
    public static CompiledPlugins Default { get; } = new();

    public IReadOnlyList<CompiledPlugin> All
    {
        get
        {
            lock (_lock)
            {
                return [.. _plugins];
            }
        }
    }

    /// <summary>
    /// Registers <paramref name="plugin"/> under <paramref name="name"/>; throws <see cref="PluginRegistrationException"/>
    /// when it does not fit its kind or is not of the <paramref name="expected"/> kind its list entry declares.
    /// </summary>
    public CompiledPlugin Register(string name, IPluggable plugin, PluginSource source = PluginSource.User, PluginType? expected = null)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        var type = plugin.PluginType;
        var error = type switch
        {
            _ when expected is { } want && want != type =>
                $"{name} is of kind {CompiledPlugin.KindName(type)} but its entry declares kind {CompiledPlugin.KindName(want)}",
            PluginType.Agent when plugin.PluginInstance is not AgentFactory => $"{name} is not a valid agent plugin",
            PluginType.AgentProvider when plugin.PluginInstance is not IAgentProvider => $"{name} is not a valid agent provider plugin",
            PluginType.Data when plugin.PluginInstance is not IDataPlugin => $"{name} is not a valid data plugin",
            PluginType.ProvisionTargetResolver when plugin.PluginInstance is not IProvisioningTargetResolver => $"{name} is not a valid provision target resolver plugin",
            PluginType.ProvisionTargetResolver when OfType(PluginType.ProvisionTargetResolver).FirstOrDefault() is { } other =>
                $"{name} is a second provision target resolver, {other.Name} is one already: only one can replace the default",
            PluginType.ConfigMutator when plugin.PluginInstance is not IConfigMutator => $"{name} is not a valid config mutator plugin",
            PluginType.MachineWatcher when plugin.PluginInstance is not IWatcherKind => $"{name} is not a valid machine watcher plugin",
            PluginType.MachineWatcher when WatcherKinds.Types.Contains(((IWatcherKind)plugin.PluginInstance).Type, StringComparer.Ordinal) =>
                $"{name} adds the watcher type {((IWatcherKind)plugin.PluginInstance).Type}, which this binary already has",
            PluginType.Machine when plugin.PluginInstance is not CompiledMachine => $"{name} is not a valid machine plugin",
            PluginType.Agent or PluginType.AgentProvider or PluginType.Data or PluginType.ProvisionTargetResolver or PluginType.ConfigMutator
                or PluginType.MachineWatcher or PluginType.Machine => null,
            _ => $"unknown plugin type {(int)type} from {name}",
        };
        if (error is not null)
        {
            throw new PluginRegistrationException(error);
        }

        // Later entries (a compiled-in machine) may use a watcher type an earlier one added, so it is known at once.
        if (plugin.PluginInstance is IWatcherKind kind && type == PluginType.MachineWatcher)
        {
            try
            {
                WatcherKinds.Register(kind);
            }
            catch (ArgumentException e)
            {
                throw new PluginRegistrationException($"{name} is not a valid machine watcher plugin: {e.Message}");
            }
        }

        var registered = new CompiledPlugin(name, type, plugin.PluginVersion, plugin.PluginInstance, source);
        lock (_lock)
        {
            _plugins.Add(registered);
        }

        return registered;
    }

    /// <summary>
    /// Hands the configuration mutators and the provision target resolver to the framework; the composition root
    /// calls it once after registration. Agents, providers, data plugins and machines are read from the registry
    /// where they are used.
    /// </summary>
    public void Activate() =>
        FrameworkPlugins.Use(
            OfType(PluginType.ConfigMutator).Select(p => (IConfigMutator)p.Instance),
            OfType(PluginType.ProvisionTargetResolver).Select(p => (IProvisioningTargetResolver)p.Instance).FirstOrDefault());

    public IEnumerable<CompiledMachine> Machines => OfType(PluginType.Machine).Select(p => (CompiledMachine)p.Instance);

    public IEnumerable<CompiledPlugin> OfType(PluginType type) => All.Where(p => p.Type == type);

    public IEnumerable<IDataPlugin> DataPlugins => OfType(PluginType.Data).Select(p => (IDataPlugin)p.Instance);
}
