namespace Choria.Server.Runtime;

/// <summary>Why a received message produced no agent run (logged once each, counted by reason).</summary>
public enum DropReason
{
    TransportInvalid,
    SecureRequestInvalid,
    SecurityFailed,
    RequestInvalid,
    Filtered,
    WrongCollective,
    TtlExpired,
    UnknownAgent,
    QueueFull,
    Unauthorized,
    AgentTimeout,
    NoReplyTo,

    /// <summary>The agent ran and chose not to reply (discovery without <c>ping</c>, a disabled response).</summary>
    AgentNoReply,

    /// <summary>The agent threw; nothing is published.</summary>
    AgentFailed,

    /// <summary>The server shut down while the agent ran.</summary>
    ShuttingDown,

    /// <summary>An unexpected exception in the pipeline (a bug or an unforeseen input); the worker carries on.</summary>
    InternalError,
}
