namespace Choria.Broker.Adapters;

/// <summary>Why an adapter lost a message; each is counted separately.</summary>
public enum AdapterDropReason
{
    /// <summary>The payload did not decode as a transport / secure / request or reply.</summary>
    Malformed,

    /// <summary>The work queue was full; ingest never blocks so NATS does not disconnect it as a slow consumer.</summary>
    QueueFull,

    /// <summary>The stream-side connection was down when the message was due.</summary>
    StreamDisconnected,

    /// <summary>The JetStream publish failed or was not acknowledged in time.</summary>
    PublishFailed,
}
