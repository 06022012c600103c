namespace Choria.Connector;

/// <summary>Connection state transitions reported by <see cref="ChoriaConnection.StateChanged"/>.</summary>
public enum ConnectionStateChange
{
    Connected,
    Disconnected,
    Reconnected,
}
