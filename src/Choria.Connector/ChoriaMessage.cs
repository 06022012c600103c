namespace Choria.Connector;

/// <summary>
/// A received message. A struct so that receiving costs no allocation beyond the payload copy
/// and the subject strings NATS.Net already creates.
/// </summary>
public readonly record struct ChoriaMessage(string Subject, string? ReplyTo, ReadOnlyMemory<byte> Data);

/// <summary>Outcome of <see cref="ChoriaConnection.PublishAsync"/>; failures are expected during outages.</summary>
public enum PublishResult
{
    Published,

    /// <summary>Disconnected and the reconnect buffer (<see cref="ConnectorOptions.ReconnectBufferSize"/>) is full.</summary>
    ReconnectBufferFull,

    /// <summary>The connection was disposed.</summary>
    Closed,
}

/// <summary>Connection state transitions reported by <see cref="ChoriaConnection.StateChanged"/>.</summary>
public enum ConnectionStateChange
{
    Connected,
    Disconnected,
    Reconnected,
}

public sealed class ConnectionStateChangedEventArgs(ConnectionStateChange change, string serverUrl, string? reason) : EventArgs
{
    public ConnectionStateChange Change { get; } = change;

    /// <summary><c>nats://host:port</c> of the broker concerned.</summary>
    public string ServerUrl { get; } = serverUrl;

    public string? Reason { get; } = reason;
}
