namespace Choria.Sdk;

/// <summary>
/// Kinds of compiled-in plugin, numbered as Choria numbers them (docs/plugins.md). The numbers are part of the
/// contract: never reorder.
/// </summary>
public enum PluginType
{
    Unknown = 0,

    /// <summary>An agent provider: its instance implements the server's <c>IAgentProvider</c>.</summary>
    AgentProvider = 1,

    /// <summary>An RPC agent: its instance is an <see cref="AgentFactory"/>.</summary>
    Agent = 2,

    /// <summary>A provisioning target resolver (not hosted by this version of choria yet).</summary>
    ProvisionTargetResolver = 3,

    /// <summary>A configuration mutator (not hosted by this version of choria yet).</summary>
    ConfigMutator = 4,

    /// <summary>An autonomous agent watcher type (not hosted by this version of choria yet).</summary>
    MachineWatcher = 5,

    /// <summary>A data plugin for compound filters and <c>rpcutil#get_data</c>: its instance implements the server's <c>IDataPlugin</c>.</summary>
    Data = 6,

    /// <summary>A compiled-in autonomous agent (not hosted by this version of choria yet).</summary>
    Machine = 7,
}

/// <summary>
/// What a plugin assembly hands to the choria build: the build instantiates the plugin's entry class (by default
/// <c>&lt;AssemblyName&gt;.ChoriaPlugin</c>, which must implement this and have a public parameterless constructor)
/// once at start-up and registers it under the name it has in <c>user_plugins.yaml</c>.
/// </summary>
public interface IPluggable
{
    /// <summary>The object the host uses; what it must be depends on <see cref="PluginType"/>.</summary>
    object PluginInstance { get; }

    string PluginName { get; }

    PluginType PluginType { get; }

    string PluginVersion { get; }
}
