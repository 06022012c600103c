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
