using System.Text.Json;

namespace Choria.Server.Agents;

/// <summary>Processing counters (docs/server.md) as reported by <c>rpcutil#daemon_stats</c>.</summary>
public sealed record ServerStats
{
    public long Total { get; init; }

    public long Validated { get; init; }

    public long Unvalidated { get; init; }

    public long Passed { get; init; }

    public long Filtered { get; init; }

    public long Replies { get; init; }

    public long TtlExpired { get; init; }

    public long Events { get; init; }
}

/// <summary>State of one autonomous agent (docs/agents.md MachineState).</summary>
public sealed record MachineState
{
    public string Name { get; init; } = "";

    public string Version { get; init; } = "";

    public string State { get; init; } = "";

    public string Path { get; init; } = "";

    public string Id { get; init; } = "";

    public long StartTime { get; init; }

    public IReadOnlyList<string> AvailableTransitions { get; init; } = [];
}

/// <summary>Selects a machine for <c>choria_util#machine_transition</c>; empty fields match anything.</summary>
public sealed record MachineSelector(string Name, string Version, string Path, string Id);

/// <summary>The autonomous agent host, when the server runs one.</summary>
public interface IMachineHost
{
    IReadOnlyList<MachineState> States();

    /// <summary>Fires <paramref name="transition"/> on the first matching machine; returns the error text or null.</summary>
    string? Transition(MachineSelector selector, string transition);
}

/// <summary>NATS client settings reported by <c>choria_util#info</c>.</summary>
public sealed record ConnectorInfo
{
    public string ClientVersion { get; init; } = "";

    public string ClientFlavour { get; init; } = "";

    public IReadOnlyList<string> Servers { get; init; } = [];

    public bool DontRandomizeServers { get; init; }

    public string Name { get; init; } = "";

    public bool Pedantic { get; init; }

    public bool Secure { get; init; }

    public bool AllowReconnect { get; init; } = true;

    public int MaxReconnectAttempts { get; init; }

    public double ReconnectTimeWaitSeconds { get; init; }

    public double ConnectTimeoutSeconds { get; init; }

    public double PingIntervalSeconds { get; init; }

    public int MaxOutstandingPings { get; init; }

    public long InMsgs { get; init; }

    public long OutMsgs { get; init; }

    public long InBytes { get; init; }

    public long OutBytes { get; init; }

    public long Reconnects { get; init; }

    public string FacterDomain { get; init; } = "";

    public string FacterCommand { get; init; } = "";

    public string SrvDomain { get; init; } = "";

    public bool UsingSrv { get; init; }

    /// <summary>Resolved broker list as <c>host:port</c>.</summary>
    public IReadOnlyList<string> MiddlewareServers { get; init; } = [];

    /// <summary>Set when the broker list could not be resolved.</summary>
    public string? MiddlewareError { get; init; }

    public bool SecureProtocol { get; init; } = true;

    public bool ConnectorTls { get; init; } = true;
}

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
