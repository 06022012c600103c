using Choria.Connector;
using Choria.Protocol.Federation;
using Choria.Protocol.Messages;
using Choria.Protocol.Subjects;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.Broker.Tests.Federation;

/// <summary>Shared plumbing for broker component tests: plain connections, no SRV, quick reconnects.</summary>
internal static class FederationTestSupport
{
    public static ILoggerFactory Logs => NullLoggerFactory.Instance;

    public static BrokerResolver Resolver { get; } = new(new NoSrv(), NullLogger.Instance);

    public static ConnectorOptions Plain(IReadOnlyList<BrokerHost> servers, string name) => new()
    {
        Servers = servers,
        Name = name,
        ReconnectWait = TimeSpan.FromMilliseconds(100),
        ReconnectJitter = TimeSpan.Zero,
    };

    public static BrokerResolutionOptions Hosts(params NatsServerProcess[] servers) =>
        new() { ConfiguredHosts = string.Join(",", servers.Select(s => s.HostPort)), UseSrv = false };

    public static Task<ChoriaConnection> ConnectAsync(NatsServerProcess server, string name = "test") =>
        ChoriaConnection.ConnectAsync(Plain([server.Host], name), NullLogger.Instance, CancellationToken.None);

    /// <summary>A transport carrying an insecure broadcast request, as a client builds it before federation.</summary>
    public static (TransportMessage Transport, string RequestId, string ReplyTo) BroadcastRequest(string agent = "rpcutil", string sender = "client.example.net")
    {
        var request = Request.Create(new RequestSpec { Agent = agent, Collective = "mcollective", CallerId = "choria=client", SenderId = sender, Message = "{\"agent\":\"rpcutil\",\"action\":\"ping\",\"data\":{}}" }, TimeProvider.System);
        var secure = SecureRequest.Create(request.ToJson(), SecureRequest.Insecure, SecureRequest.Insecure);
        var replyTo = ChoriaSubjects.Reply("mcollective", sender, request.Envelope.RequestId);
        var transport = TransportMessage.Create(secure.ToJson(), new TransportHeaders { ReplyTo = replyTo, McSender = sender });
        return (transport, request.Envelope.RequestId, replyTo);
    }

    public static IReadOnlyList<FederatedPublication> Federate(TransportMessage transport, string requestId, params string[] federations) =>
        FederationPublisher.Broadcast(transport, requestId, "mcollective", "rpcutil", federations);

    /// <summary>The reply a Choria server sends to a request (docs/protocol.md).</summary>
    public static (string Subject, byte[] Payload)? ReplyTo(ReadOnlySpan<byte> requestPayload, string identity)
    {
        if (!ProtocolDecoder.TryDecodeRequest(requestPayload, out var decoded, out _) || decoded.Headers.ReplyTo is not { } replyTo)
        {
            return null;
        }

        var reply = Reply.Create(decoded.Request, identity, "pong", TimeProvider.System);
        var secure = SecureReply.Create(reply.ToJson());
        var transport = TransportMessage.Create(secure.ToJson(), TransportHeaders.ForReply(decoded.Headers, identity));
        return (replyTo, transport.ToUtf8Bytes());
    }

    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not met in time");
            }

            await Task.Delay(20);
        }
    }

    private sealed class NoSrv : ISrvResolver
    {
        public ValueTask<IReadOnlyList<SrvRecord>> ResolveAsync(string name, CancellationToken cancellationToken) => ValueTask.FromResult<IReadOnlyList<SrvRecord>>([]);
    }
}

/// <summary>A fake Choria server: answers every request on a subject through its reply-to.</summary>
internal sealed class FakeServer : IAsyncDisposable
{
    private readonly ChoriaConnection _connection;
    private readonly ChoriaSubscription _subscription;
    private readonly Task _loop;
    private readonly CancellationTokenSource _stop = new();
    private int _requests;

    private FakeServer(ChoriaConnection connection, ChoriaSubscription subscription, string identity)
    {
        _connection = connection;
        _subscription = subscription;
        Identity = identity;
        _loop = Task.Run(RunAsync);
    }

    public string Identity { get; }

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Seen-by hops of the last request received.</summary>
    public IReadOnlyList<SeenByHop>? LastSeenBy { get; private set; }

    public static async Task<FakeServer> StartAsync(NatsServerProcess server, string identity, string subject = "mcollective.broadcast.agent.rpcutil", int? capacity = null)
    {
        var connection = await FederationTestSupport.ConnectAsync(server, identity);
        var subscription = capacity is { } c
            ? await connection.SubscribeAsync(subject, null, c, System.Threading.Channels.BoundedChannelFullMode.Wait)
            : await connection.SubscribeAsync(subject);
        await connection.FlushAsync();
        return new FakeServer(connection, subscription, identity);
    }

    private async Task RunAsync()
    {
        try
        {
            await foreach (var message in _subscription.ReadAllAsync(_stop.Token))
            {
                if (TransportMessage.TryParse(message.Data.Span, out var transport, out _))
                {
                    LastSeenBy = transport.Headers.SeenBy;
                }

                Interlocked.Increment(ref _requests);
                if (FederationTestSupport.ReplyTo(message.Data.Span, Identity) is { } reply)
                {
                    await _connection.PublishAsync(reply.Subject, reply.Payload);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        await _subscription.DisposeAsync();
        await _connection.DisposeAsync();
        _stop.Dispose();
    }
}
