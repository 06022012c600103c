using Choria.Connector;
using Choria.Framework.Hosting;
using Choria.Server.Agents;
using Choria.Server.Agents.Providers;

namespace Choria.Server.Runtime;

/// <summary>
/// What a <see cref="ServerInstance"/> runs besides its built-in agents, decided once when it is built
/// (<see cref="ServerComponents.Defaults"/> for <c>choria server run</c>) and fixed from then on.
/// </summary>
public sealed record ServerParts
{
    public static ServerParts None { get; } = new();

    /// <summary>Sources of agents beyond the built-ins (docs/agents.md), started in order before the server subscribes.</summary>
    public IReadOnlyList<IAgentProvider> AgentProviders { get; init; } = [];

    /// <summary>Started in order once the subscriptions exist; stopped in reverse before disconnecting.</summary>
    public IReadOnlyList<IChoriaComponent> Components { get; init; } = [];

    /// <summary>Components that publish, built once the broker connection exists and started after <see cref="Components"/>.</summary>
    public IReadOnlyList<Func<ChoriaConnection, IChoriaComponent>> ConnectedComponents { get; init; } = [];

    /// <summary>Told about every handled mcorpc action (the metrics' agent/action histogram).</summary>
    public IActionObserver? ActionObserver { get; init; }

    /// <summary>These parts, then <paramref name="next"/>'s: providers and components start in that order.</summary>
    public ServerParts Then(ServerParts next)
    {
        ArgumentNullException.ThrowIfNull(next);
        return new()
        {
            AgentProviders = [.. AgentProviders, .. next.AgentProviders],
            Components = [.. Components, .. next.Components],
            ConnectedComponents = [.. ConnectedComponents, .. next.ConnectedComponents],
            ActionObserver = next.ActionObserver ?? ActionObserver,
        };
    }
}
