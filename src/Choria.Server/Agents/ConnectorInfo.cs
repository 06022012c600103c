namespace Choria.Server.Agents;

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
