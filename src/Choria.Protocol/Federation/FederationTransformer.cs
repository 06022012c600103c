using Choria.Protocol.Messages;
using Choria.Protocol.Subjects;

namespace Choria.Protocol.Federation;

/// <summary>A request moved onto the collective network, to publish to every target.</summary>
public sealed record FederatedRequest(TransportMessage Message, IReadOnlyList<string> Targets);

/// <summary>A reply moved back onto the federation network, to publish to <see cref="ReplySubject"/>.</summary>
public sealed record FederatedReply(TransportMessage Message, string ReplySubject);

/// <summary>
/// Federation broker pipelines as pure functions (protocol.md 3.4). Only transport headers
/// change; <c>data</c> (and so the signature) is untouched.
/// </summary>
public static class FederationTransformer
{
    /// <summary>Federation network -> collective network.</summary>
    public static bool TryTransformRequest(TransportMessage message, string federation, SeenByHop hop, out FederatedRequest? result, out ProtocolError? error)
    {
        result = null;
        var headers = message.Headers;
        if (headers.Federation is not { } fed)
        {
            error = new ProtocolError(ProtocolErrorReason.MissingField, "federated request has no federation header");
            return false;
        }

        if (fed.Targets is not { Count: > 0 } targets)
        {
            error = new ProtocolError(ProtocolErrorReason.MissingField, "federated request has no targets");
            return false;
        }

        if (string.IsNullOrEmpty(headers.ReplyTo))
        {
            error = new ProtocolError(ProtocolErrorReason.MissingField, "federated request has no reply-to");
            return false;
        }

        var moved = headers with
        {
            ReplyTo = ChoriaSubjects.FederationReplies(federation),
            Federation = fed with { ReplyTo = headers.ReplyTo, Targets = null },
        };
        result = new FederatedRequest(message with { Headers = moved.WithSeenByHop(hop) }, targets);
        error = null;
        return true;
    }

    /// <summary>Collective network -> federation network.</summary>
    public static bool TryTransformReply(TransportMessage message, SeenByHop hop, out FederatedReply? result, out ProtocolError? error)
    {
        result = null;
        if (message.Headers.Federation is not { } fed || string.IsNullOrEmpty(fed.RequestId) || string.IsNullOrEmpty(fed.ReplyTo))
        {
            error = new ProtocolError(ProtocolErrorReason.MissingField, "federated reply lacks federation req or reply-to");
            return false;
        }

        var headers = message.Headers with { Federation = null };
        result = new FederatedReply(message with { Headers = headers.WithSeenByHop(hop) }, fed.ReplyTo);
        error = null;
        return true;
    }
}
