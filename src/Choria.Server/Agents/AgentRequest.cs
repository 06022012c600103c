using Choria.Protocol.Messages;

namespace Choria.Server.Agents;

/// <summary>
/// What the request processor hands to an agent: the envelope of a validated request, as received, plus the
/// decoded payload bytes (after the base64 fall-back rule of docs/server.md).
/// </summary>
public sealed record AgentRequest
{
    private static readonly RequestEnvelope s_noEnvelope = new();

    public RequestEnvelope Envelope { get; init; } = s_noEnvelope;

    public ReadOnlyMemory<byte> Payload { get; init; }

    public string Agent => Envelope.Agent;

    public string RequestId => Envelope.RequestId;
}

/// <summary>An agent's answer: reply bytes to publish, or no reply with the reason.</summary>
public sealed record AgentResult(byte[]? Reply, string? Error)
{
    public static AgentResult Publish(byte[] reply) => new(reply, null);

    public static AgentResult NoReply(string reason) => new(null, reason);
}

/// <summary>A named RPC service. Handlers must not throw; failures become replies or <see cref="AgentResult.NoReply"/>.</summary>
public interface IAgent
{
    AgentMetadata Metadata { get; }

    /// <summary>
    /// How long the dispatcher waits for a reply. An agent that enforces its own deadline (an external process killed
    /// a little after <c>metadata.timeout</c>) asks for more so that its error reply still goes out.
    /// </summary>
    TimeSpan DispatchTimeout => TimeSpan.FromSeconds(Math.Max(0, Metadata.Timeout));

    ValueTask<AgentResult> HandleAsync(AgentRequest request, CancellationToken cancellationToken);
}
