using Choria.Config;
using Choria.Server.Agents.External;
using Choria.Server.Agents.Providers;
using Choria.Server.Agents.Providers.Ruby;

namespace Choria.Server.Runtime;

/// <summary>A provider compiled into this binary: its <c>choria buildinfo</c> title and how a server builds it from its configuration.</summary>
public sealed record AgentProviderPlugin(string Name, string Title, Func<ChoriaConfig, ServerInstance, IAgentProvider> Create);

/// <summary>Every agent provider of this binary, in start order (docs/agents.md); a new provider is one more line here.</summary>
public static class AgentProviderCatalog
{
    public static IReadOnlyList<AgentProviderPlugin> All { get; } =
    [
        new("ruby", RubyAgentProvider.Title, (config, _) => new RubyAgentProvider(RubyAgentProviderOptions.FromConfig(config))),
        new(ExternalAgent.ProviderName, ExternalAgentProvider.Title,
            (config, instance) => new ExternalAgentProvider(ExternalAgentOptions.FromConfig(config), instance.Facts.Facts, config.Build.Version)),
    ];
}
