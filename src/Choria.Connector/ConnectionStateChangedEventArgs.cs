namespace Choria.Connector;

public sealed class ConnectionStateChangedEventArgs(ConnectionStateChange change, string serverUrl, string? reason) : EventArgs
{
    public ConnectionStateChange Change { get; } = change;

    /// <summary><c>nats://host:port</c> of the broker concerned.</summary>
    public string ServerUrl { get; } = serverUrl;

    public string? Reason { get; } = reason;
}
