using Choria.Sdk;

namespace Choria.Server.Plugins;

/// <summary>One registered plugin: the name it was listed under and what it provides.</summary>
public sealed record CompiledPlugin(string Name, PluginType Type, string Version, object Instance, PluginSource Source)
{
    /// <summary>The kind as <c>choria buildinfo</c> prints it.</summary>
    public string Kind => KindName(Type);

    public static string KindName(PluginType type) => type switch
    {
        PluginType.AgentProvider => "agent provider",
        PluginType.Agent => "agent",
        PluginType.ProvisionTargetResolver => "provision target resolver",
        PluginType.ConfigMutator => "config mutator",
        PluginType.MachineWatcher => "machine watcher",
        PluginType.Data => "data",
        PluginType.Machine => "machine",
        _ => "unknown",
    };
}
