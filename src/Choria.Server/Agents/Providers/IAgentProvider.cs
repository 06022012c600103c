namespace Choria.Server.Agents.Providers;

/// <summary>
/// Finds agents of one kind outside the binary (Ruby MCollective agents, external agents) and keeps the
/// server's set of them current. The server starts every provider after its built-in agents are registered
/// and before it subscribes, so the agents found at start are served from the first request on; a provider
/// may go on watching in the background and add, replace or remove agents through the sink while it runs.
/// </summary>
public interface IAgentProvider
{
    /// <summary>Short name listed by <c>choria buildinfo</c> under "Agent Providers", e.g. <c>ruby</c>, <c>external</c>.</summary>
    string Name { get; }

    string Version { get; }

    /// <summary>Registers what it finds now through <paramref name="sink"/> and returns; background watching ends with <paramref name="cancellationToken"/>.</summary>
    Task StartAsync(IAgentSink sink, CancellationToken cancellationToken);
}
