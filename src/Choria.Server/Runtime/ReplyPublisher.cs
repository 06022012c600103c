using Choria.Connector;

namespace Choria.Server.Runtime;

/// <summary>Where replies go; the broker connection in the daemon, a recorder in tests.</summary>
internal interface IReplyPublisher
{
    /// <summary><c>nats://host:port</c> of the current broker, used in the reply's seen-by hop.</summary>
    string ConnectedServer { get; }

    ValueTask<bool> PublishAsync(string subject, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);
}

/// <summary>Replies published on the server's broker connection.</summary>
internal sealed class ConnectionReplyPublisher(ChoriaConnection connection) : IReplyPublisher
{
    public string ConnectedServer => connection.ConnectedServerUrl;

    public async ValueTask<bool> PublishAsync(string subject, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        await connection.PublishAsync(subject, data, cancellationToken: cancellationToken) == PublishResult.Published;
}
