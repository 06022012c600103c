namespace Choria.Broker.Federation;

/// <summary>Why the federation broker discarded a message; each is counted separately.</summary>
public enum FederationDropReason
{
    /// <summary>Not a parsable <c>choria:transport:1</c> document.</summary>
    Malformed,

    /// <summary>Transport without a <c>federation</c> header.</summary>
    NotFederated,

    /// <summary>Federated request without <c>federation.target</c>.</summary>
    NoTargets,

    /// <summary>Federated request without <c>headers.reply-to</c>.</summary>
    NoReplyTo,

    /// <summary>Reply without <c>federation.req</c> or <c>federation.reply-to</c>.</summary>
    IncompleteFederationReply,

    /// <summary>A publish to one target failed (counted per target).</summary>
    PublishFailed,
}
