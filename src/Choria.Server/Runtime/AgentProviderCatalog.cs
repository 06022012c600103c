using Choria.Server.Agents.External;
using Choria.Server.Agents.Providers;
using Choria.Server.Agents.Providers.Ruby;
using Choria.Server.Plugins;

namespace Choria.Server.Runtime;

/// <summary>
/// Every agent provider of this binary, in start order (docs/agents.md): the compiled-in agents first, the stock
/// providers, then provider plugins from <c>user_plugins.yaml</c> (docs/plugins.md).
/// </summary>
public static class AgentProviderCatalog
{
    public static IReadOnlyList<AgentProviderPlugin> All =>
    [
        .. Stock,
        .. CompiledPlugins.Default.OfType(Sdk.PluginType.AgentProvider)
            .Select(p => new AgentProviderPlugin(p.Name, p.Name, (_, _) => (IAgentProvider)p.Instance)),
    ];

    private static IReadOnlyList<AgentProviderPlugin> Stock { get; } =
    [
        new(CompiledAgentProvider.ProviderName, CompiledAgentProvider.Title,
            (config, instance) => new CompiledAgentProvider(CompiledPlugins.Default.OfType(Sdk.PluginType.Agent), config, instance.Info.Identity, config.Build.Version, instance.Facts.Facts)),
        new("ruby", RubyAgentProvider.Title, (config, _) => new RubyAgentProvider(RubyAgentProviderOptions.FromConfig(config))),
        new(ExternalAgent.ProviderName, ExternalAgentProvider.Title,
            (config, instance) => new ExternalAgentProvider(ExternalAgentOptions.FromConfig(config), instance.Facts.Facts, config.Build.Version)),
    ];
}
