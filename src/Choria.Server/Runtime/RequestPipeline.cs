using System.Text;
using Choria.Protocol.Filters;
using Choria.Protocol.Messages;
using Choria.Security;
using Choria.Server.Agents;

namespace Choria.Server.Runtime;

/// <summary>Why a message stopped in the pipeline, with the human reason that gets logged.</summary>
/// <param name="Exception">What an agent threw (<see cref="DropReason.AgentFailed"/>), logged with the line.</param>
internal sealed record PipelineDrop(DropReason Reason, string Message, Exception? Exception = null);

/// <summary>
/// The steps of docs/server.md / docs/protocol.md, each a pure function returning a <see cref="PipelineDrop"/>
/// on rejection so the processor can count and log it in one place.
/// </summary>
internal static class RequestPipeline
{
    /// <summary>Steps 2-4: transport, secure request, then the (not yet trusted) inner request for its callerid.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> payload, out DecodedRequest? received, out PipelineDrop? drop)
    {
        received = null;
        if (!ProtocolDecoder.TryDecodeRequest(payload, out var decoded, out var error, out var failed))
        {
            drop = failed switch
            {
                RequestLayer.Transport => new(DropReason.TransportInvalid, $"Could not decode message into transport: {error!.Message}"),
                RequestLayer.SecureRequest => new(DropReason.SecureRequestInvalid, $"Could not decode secure request: {error!.Message}"),
                _ => new(DropReason.RequestInvalid, $"Could not decode request: {error!.Message}"),
            };
            return false;
        }

        received = decoded;
        drop = null;
        return true;
    }

    /// <summary>Longest reply-to a server publishes to: far above any real inbox, far below nats-server's 4 KiB control line.</summary>
    public const int MaxReplyToLength = 1024;

    /// <summary>
    /// Step 2, the unsigned transport header a server publishes to: anyone can forge it, so before any work is done
    /// it must be a subject NATS can take (no whitespace or control characters that would split the protocol line,
    /// no wildcards, no empty tokens) and short enough not to overflow the broker's control line.
    /// </summary>
    public static PipelineDrop? CheckReplyTo(TransportHeaders headers)
    {
        var replyTo = headers.ReplyTo;
        if (string.IsNullOrEmpty(replyTo))
        {
            return null;
        }

        if (replyTo.Length > MaxReplyToLength)
        {
            return new(DropReason.TransportInvalid, $"Could not decode message into transport: reply-to header is {replyTo.Length} characters, more than the {MaxReplyToLength} allowed");
        }

        foreach (var token in replyTo.Split('.'))
        {
            if (token.Length == 0 || token is "*" or ">" || token.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                return new(DropReason.TransportInvalid, $"Could not decode message into transport: reply-to header '{Printable(replyTo)}' is not a valid NATS subject");
            }
        }

        return null;

        static string Printable(string text) => string.Concat(text.Take(64).Select(c => char.IsControl(c) ? '?' : c));
    }

    /// <summary>Step 3: signature, certificate chain and certname rules (docs/security.md).</summary>
    public static PipelineDrop? Verify(DecodedRequest received, ISecurityProvider security, bool insecure)
    {
        if (insecure)
        {
            return null;
        }

        var s = received.Secure;
        var result = security.VerifySecureRequest(s.Message, s.Signature, s.PubCert, received.Request.Envelope.CallerId);
        return result.Valid ? null : new(DropReason.SecurityFailed, $"Could not verify security of request: {result.Reason}: {result.Message}");
    }

    /// <summary>
    /// Step 5 and the reply side of docs/protocol.md: only a federated request's federation header and
    /// hops travel back; an ordinary reply starts a fresh hop list.
    /// </summary>
    public static TransportHeaders ReplyHeaders(TransportHeaders requestHeaders, string identity) =>
        requestHeaders.Federation is null
            ? new TransportHeaders { McSender = identity }
            : TransportHeaders.ForReply(requestHeaders, identity);

    /// <summary>Step 6.</summary>
    public static PipelineDrop? Filter(Request request, NodeData node, FilterContext context)
    {
        var result = FilterMatcher.Matches(request.Envelope.Filter, node, context);
        return result.Matched ? null : new(DropReason.Filtered, $"Filter did not match in the {result.FailedGroup} group{(result.Reason is null ? "" : ": " + result.Reason)}");
    }

    /// <summary>Step 7, collective part.</summary>
    public static PipelineDrop? CheckCollective(Request request, IReadOnlyList<string> collectives) =>
        collectives.Contains(request.Envelope.Collective, StringComparer.Ordinal)
            ? null
            : new(DropReason.WrongCollective, $"Request for collective {request.Envelope.Collective} which is not one of {string.Join(",", collectives)}");

    /// <summary>Step 7, internal message: envelope values plus the payload after the base64 fall-back rule.</summary>
    public static AgentRequest ToAgentRequest(Request request) =>
        new() { Envelope = request.Envelope, Payload = RequestPayload.Decode(request.Message) };

    /// <summary>Step 8.</summary>
    public static PipelineDrop? CheckTtl(Request request, TimeProvider clock) =>
        TtlWindow.IsCurrent(request.Envelope.Time, request.Envelope.Ttl, clock)
            ? null
            : new(DropReason.TtlExpired, $"Message {request.Envelope.RequestId} created at {request.Envelope.Time} is too old, TTL is {request.Envelope.Ttl}");

    /// <summary>
    /// Reply publication (docs/server.md): reply and secure reply around the agent's bytes, in a transport with the
    /// <see cref="ReplyHeaders"/> plus one own seen-by hop. Returns the bytes for the request's transport reply-to.
    /// </summary>
    public static byte[] BuildReply(Request request, TransportHeaders replyHeaders, ReadOnlySpan<byte> agentReply, string identity, string connectedServer, TimeProvider clock)
    {
        var reply = Reply.Create(request, identity, Encoding.UTF8.GetString(agentReply), clock);
        var secure = SecureReply.Create(reply.ToUtf8Bytes());
        return TransportMessage.Encode(secure.ToUtf8Bytes(), replyHeaders.WithSeenByHop(new SeenByHop(connectedServer, identity, connectedServer)));
    }
}
