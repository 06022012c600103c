namespace Choria.Server.Agents;

public sealed record AgentRegistryOptions
{
    /// <summary>Agent names never registered (<c>plugin.choria.agents.denylist</c> style).</summary>
    public IReadOnlySet<string> DenyList { get; init; } = new HashSet<string>(StringComparer.Ordinal);
}
