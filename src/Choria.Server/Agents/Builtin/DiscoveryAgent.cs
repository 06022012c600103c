namespace Choria.Server.Agents.Builtin;

/// <summary>
/// The <c>discovery</c> agent (docs/agents.md). Not SimpleRPC: a payload containing <c>ping</c>
/// is answered with the raw bytes <c>pong</c>, anything else gets no reply.
/// </summary>
internal sealed class DiscoveryAgent(string version) : IAgent
{
    private static readonly byte[] s_ping = "ping"u8.ToArray();
    private static readonly byte[] s_pong = "pong"u8.ToArray();

    public AgentMetadata Metadata { get; } = BuiltinMetadata.Create("discovery", "Discovery Agent", 2, version);

    public ValueTask<AgentResult> HandleAsync(AgentRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(request.Payload.Span.IndexOf(s_ping) >= 0
            ? AgentResult.Publish(s_pong)
            : AgentResult.NoReply("Received unknown discovery message"));
}
