using System.Text;
using Choria.Config;
using Choria.Connector;
using Choria.Framework;
using Choria.Protocol.Filters;
using Choria.Protocol.Messages;
using Choria.Protocol.Subjects;
using Microsoft.Extensions.Logging;

namespace Choria.IntegrationTests.Infrastructure;

/// <summary>A signed v1 request ready to publish, plus its id and reply subject.</summary>
public sealed record PreparedRequest(string RequestId, string ReplyTo, byte[] Payload);

/// <summary>
/// A minimal signing client on the protocol, security and connector libraries: builds and signs requests,
/// publishes them (or arbitrary bytes) and collects the decoded replies.
/// </summary>
public sealed class ChoriaTestClient : IAsyncDisposable
{
    private readonly ChoriaFramework _framework;
    private readonly ChoriaConnection _connection;

    private ChoriaTestClient(ChoriaFramework framework, ChoriaConnection connection)
    {
        _framework = framework;
        _connection = connection;
    }

    public string Certname => _framework.Certname;

    public ChoriaConnection Connection => _connection;

    public static async Task<ChoriaTestClient> ConnectAsync(string configPath, CancellationToken cancellationToken = default)
    {
        var config = ConfigLoader.Load(configPath, new ConfigLoadOptions { Role = ConfigRole.Client }).Config;
        var framework = await ChoriaFramework.CreateAsync(config, debug: false, verifySecurityFiles: true, LogLevel.Warning, cancellationToken);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(20));
        var connection = await framework.ConnectAsync(framework.Certname, allowFederation: false, cts.Token);
        return new ChoriaTestClient(framework, connection);
    }

    /// <summary>Builds a signed request; <paramref name="clock"/> lets tests create expired requests.</summary>
    public PreparedRequest Prepare(string agent, string message, Filter? filter = null, string collective = "mcollective", TimeProvider? clock = null, int ttl = 60)
    {
        var request = Request.Create(new RequestSpec
        {
            Agent = agent,
            Collective = collective,
            CallerId = _framework.CallerId,
            SenderId = _framework.Identity,
            Message = message,
            Filter = filter,
            Ttl = ttl,
        }, clock ?? TimeProvider.System);
        return Sign(request.ToJson(), request.Envelope.RequestId, collective);
    }

    /// <summary>Signs an arbitrary request JSON text (e.g. a wire capture's request re-timed).</summary>
    public PreparedRequest Sign(string requestJson, string requestId, string collective)
    {
        var replyTo = ChoriaSubjects.Reply(collective, _framework.Certname, requestId);
        var secure = SecureRequest.Create(requestJson, _framework.Security.SignToBase64(Encoding.UTF8.GetBytes(requestJson)), _framework.Security.PublicCertPem);
        var transport = TransportMessage.Create(secure.ToUtf8Bytes(), new TransportHeaders { ReplyTo = replyTo, McSender = _framework.Identity });
        return new PreparedRequest(requestId, replyTo, transport.ToUtf8Bytes());
    }

    /// <summary>
    /// Publishes <paramref name="payload"/> to <paramref name="subject"/> and collects replies on
    /// <paramref name="replyTo"/> until <paramref name="expected"/> arrived or <paramref name="timeout"/> passed.
    /// </summary>
    public async Task<IReadOnlyList<DecodedReply>> PublishAndCollectAsync(string subject, byte[] payload, string replyTo, int expected, TimeSpan timeout)
    {
        await using var sub = await _connection.SubscribeAsync(replyTo);
        await _connection.FlushAsync();
        await _connection.PublishAsync(subject, payload);

        var replies = new List<DecodedReply>();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await foreach (var message in sub.ReadAllAsync(cts.Token))
            {
                if (ProtocolDecoder.TryDecodeReply(message.Data.Span, out var reply, out _) && reply.Secure.IsHashValid())
                {
                    replies.Add(reply);
                }

                if (replies.Count >= expected)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            // Timeout: return what arrived.
        }

        return replies;
    }

    /// <summary>Sends <paramref name="prepared"/> to <c>&lt;collective&gt;.broadcast.agent.&lt;agent&gt;</c> or, with <paramref name="node"/>, to that node.</summary>
    public Task<IReadOnlyList<DecodedReply>> RequestAsync(PreparedRequest prepared, string agent, string? node = null, string collective = "mcollective", int expected = 1, TimeSpan? timeout = null) =>
        PublishAndCollectAsync(
            node is null ? ChoriaSubjects.BroadcastAgent(collective, agent) : ChoriaSubjects.Node(collective, node),
            prepared.Payload,
            prepared.ReplyTo,
            expected,
            timeout ?? TimeSpan.FromSeconds(5));

    /// <summary>Signs and sends an RPC body <c>{"agent","action","data"}</c> and returns the replies.</summary>
    public Task<IReadOnlyList<DecodedReply>> RpcAsync(string agent, string action, string dataJson = "{}", Filter? filter = null, string? node = null, string collective = "mcollective", int expected = 1, TimeSpan? timeout = null)
    {
        var body = $$"""{"agent":"{{agent}}","action":"{{action}}","data":{{dataJson}}}""";
        return RequestAsync(Prepare(agent, body, filter, collective), agent, node, collective, expected, timeout);
    }

    /// <summary>Discovery ping: identities of the nodes that answered <c>pong</c>.</summary>
    public async Task<IReadOnlyList<string>> DiscoverAsync(Filter? filter = null, string collective = "mcollective", int expected = int.MaxValue, TimeSpan? timeout = null)
    {
        var replies = await RequestAsync(Prepare("discovery", "cGluZw==", filter, collective), "discovery", null, collective, expected, timeout ?? TimeSpan.FromSeconds(2));
        return [.. replies.Where(r => r.Reply.Message == "pong").Select(r => r.Reply.Envelope.SenderId).Order(StringComparer.Ordinal)];
    }

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync();
        _framework.Dispose();
    }
}
