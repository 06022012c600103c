using System.Diagnostics.CodeAnalysis;
using Choria.Protocol.Messages;
using Choria.Protocol.Subjects;

namespace Choria.Protocol.Federation;

/// <summary>
/// Federation broker pipelines as pure functions (docs/federation.md). Only transport headers
/// change; <c>data</c> (and so the signature) is untouched.
/// </summary>
public static class FederationTransformer
{
    /// <summary>Federation network -> collective network.</summary>
    public static bool TryTransformRequest(TransportMessage message, string federation, SeenByHop hop, [NotNullWhen(true)] out FederatedRequest? result, [NotNullWhen(false)] out ProtocolError? error)
    {
        result = null;
        if (!TryMoveRequestHeaders(message.Headers, ChoriaSubjects.FederationReplies(federation), out var moved, out var targets, out error))
        {
            return false;
        }

        result = new FederatedRequest(message with { Headers = moved.WithSeenByHop(hop) }, targets);
        return true;
    }

    /// <summary>Collective network -> federation network.</summary>
    public static bool TryTransformReply(TransportMessage message, SeenByHop hop, [NotNullWhen(true)] out FederatedReply? result, [NotNullWhen(false)] out ProtocolError? error)
    {
        result = null;
        if (!TryMoveReplyHeaders(message.Headers, out var moved, out var replySubject, out error))
        {
            return false;
        }

        result = new FederatedReply(message with { Headers = moved.WithSeenByHop(hop) }, replySubject);
        return true;
    }

    /// <summary>
    /// The request transformer's header edits without the seen-by hop, for a relay that adds the hop once it
    /// knows the server it publishes to. <paramref name="repliesSubject"/> is
    /// <see cref="ChoriaSubjects.FederationReplies"/> of the federation.
    /// </summary>
    public static bool TryMoveRequestHeaders(TransportHeaders headers, string repliesSubject, out TransportHeaders moved, out IReadOnlyList<string> targets, [NotNullWhen(false)] out ProtocolError? error)
    {
        ArgumentNullException.ThrowIfNull(headers);
        moved = headers;
        targets = [];
        if (headers.Federation is not { } fed)
        {
            error = new ProtocolError(ProtocolErrorReason.MissingField, "federated request has no federation header");
            return false;
        }

        if (fed.Targets is not { Count: > 0 } found)
        {
            error = new ProtocolError(ProtocolErrorReason.MissingField, "federated request has no targets");
            return false;
        }

        if (string.IsNullOrEmpty(headers.ReplyTo))
        {
            error = new ProtocolError(ProtocolErrorReason.MissingField, "federated request has no reply-to");
            return false;
        }

        moved = headers with
        {
            ReplyTo = repliesSubject,
            Federation = fed with { ReplyTo = headers.ReplyTo, Targets = null },
        };
        targets = found;
        error = null;
        return true;
    }

    /// <summary>The reply transformer's header edits without the seen-by hop; the reply goes to <paramref name="replySubject"/>.</summary>
    public static bool TryMoveReplyHeaders(TransportHeaders headers, out TransportHeaders moved, out string replySubject, [NotNullWhen(false)] out ProtocolError? error)
    {
        ArgumentNullException.ThrowIfNull(headers);
        moved = headers;
        replySubject = "";
        if (headers.Federation is not { } fed || string.IsNullOrEmpty(fed.RequestId) || string.IsNullOrEmpty(fed.ReplyTo))
        {
            error = new ProtocolError(ProtocolErrorReason.MissingField, "federated reply lacks federation req or reply-to");
            return false;
        }

        moved = headers with { Federation = null };
        replySubject = fed.ReplyTo;
        error = null;
        return true;
    }
}
