using System.Text.Json;

namespace Choria.Server.Agents;

/// <summary>Everything the built-in agents read about the running server (docs/server.md).</summary>
public interface IServerInfo
{
    string Identity { get; }

    IReadOnlyList<string> Collectives { get; }

    string MainCollective { get; }

    /// <summary>Build version, e.g. <c>0.13.0</c>.</summary>
    string Version { get; }

    DateTimeOffset StartTime { get; }

    string ConfigFile { get; }

    /// <summary>Broker the connector is attached to, empty when disconnected.</summary>
    string ConnectedServer { get; }

    ServerStats Stats();

    IReadOnlyList<string> KnownAgents();

    IReadOnlyList<AgentMetadata> AgentMetadata();

    JsonElement Facts();

    IReadOnlyList<string> Classes();

    /// <summary>Raw configuration value of <paramref name="key"/>, or null for an unknown key.</summary>
    string? ConfigItem(string key);

    ConnectorInfo Connector();

    /// <summary>Null when no autonomous agent host runs.</summary>
    IMachineHost? Machines { get; }
}
