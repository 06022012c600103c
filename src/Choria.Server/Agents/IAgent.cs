namespace Choria.Server.Agents;

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
