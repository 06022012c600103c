using Choria.Config;
using Choria.Server.Agents.Providers;

namespace Choria.Server.Runtime;

/// <summary>A provider compiled into this binary: its <c>choria buildinfo</c> title and how a server builds it from its configuration.</summary>
public sealed record AgentProviderPlugin(string Name, string Title, Func<ChoriaConfig, ServerInstance, IAgentProvider> Create);
