using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Choria.Server.Agents;

/// <summary>Named agents of a server (docs/server.md). Thread safe; subscription is the caller's job.</summary>
public sealed partial class AgentRegistry(AgentRegistryOptions options, ILogger<AgentRegistry> logger)
{
    private readonly ConcurrentDictionary<string, IAgent> _agents = new(StringComparer.Ordinal);

    /// <summary>Adds <paramref name="agent"/>; with <paramref name="replace"/> an agent of the same name is swapped out in place.</summary>
    public AgentRegistrationResult Register(IAgent agent, bool replace = false)
    {
        var name = agent.Metadata.Name;
        if (string.IsNullOrEmpty(name) || agent.Metadata.Timeout < 1)
        {
            return new(AgentRegistrationStatus.InvalidMetadata, $"agent '{name}' has invalid metadata: a name and a timeout of at least 1 second are required");
        }

        if (options.DenyList.Contains(name))
        {
            LogDenied(name);
            return new(AgentRegistrationStatus.Denied, null);
        }

        if (replace)
        {
            _agents[name] = agent;
        }
        else if (!_agents.TryAdd(name, agent))
        {
            return new(AgentRegistrationStatus.Duplicate, $"agent {name} is already registered");
        }

        return new(AgentRegistrationStatus.Registered, null);
    }

    public bool Unregister(string name) => _agents.TryRemove(name, out _);

    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IAgent? agent) => _agents.TryGetValue(name, out agent);

    /// <summary>Sorted registered names, as used by filters, rpcutil and registration.</summary>
    public IReadOnlyList<string> KnownAgents() => [.. _agents.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Metadata of every agent, sorted by agent name.</summary>
    public IReadOnlyList<AgentMetadata> AllMetadata() => [.. _agents.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value.Metadata)];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent {Agent} is on the deny list, not registering")]
    private partial void LogDenied(string agent);
}
