using Microsoft.Extensions.Logging;

namespace Choria.Server.Agents.Providers;

/// <summary>The server side of <see cref="IAgentProvider"/>: registration and subscriptions of provided agents.</summary>
public interface IAgentSink
{
    /// <summary>
    /// What every mcorpc agent of this server shares (authorization, audit, metrics observer); a provided agent
    /// built on <see cref="McorpcAgent"/> gets the same treatment as a built-in one.
    /// </summary>
    McorpcAgentOptions McorpcOptions { get; }

    ILoggerFactory Loggers { get; }

    /// <summary>Registers <paramref name="agent"/>, replacing one of the same name, and subscribes its broadcast subjects once the server is subscribed.</summary>
    ValueTask<AgentRegistrationResult> AddAsync(IAgent agent, CancellationToken cancellationToken);

    /// <summary>Unregisters the agent named <paramref name="name"/> and drops its broadcast subscriptions; false when it was not registered.</summary>
    ValueTask<bool> RemoveAsync(string name, CancellationToken cancellationToken);
}
