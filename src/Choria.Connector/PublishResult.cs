namespace Choria.Connector;

/// <summary>Outcome of <see cref="ChoriaConnection.PublishAsync"/>; failures are expected during outages.</summary>
public enum PublishResult
{
    Published,

    /// <summary>Disconnected and the reconnect buffer (<see cref="ConnectorOptions.ReconnectBufferSize"/>) is full.</summary>
    ReconnectBufferFull,

    /// <summary>The connection was disposed.</summary>
    Closed,
}
