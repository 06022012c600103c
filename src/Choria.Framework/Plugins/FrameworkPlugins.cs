using Choria.Config;
using Choria.Connector;
using Microsoft.Extensions.Logging;

namespace Choria.Framework.Plugins;

/// <summary>
/// The compiled-in plugins the framework itself uses: configuration mutators and the provisioning target resolver.
/// The binary's composition root sets them once at start-up from its plugin registry (docs/plugins.md); the
/// framework never scans for them.
/// </summary>
public static partial class FrameworkPlugins
{
    private static volatile IConfigMutator[] s_mutators = [];
    private static volatile IProvisioningTargetResolver? s_resolver;

    public static IReadOnlyList<IConfigMutator> ConfigMutators => s_mutators;

    /// <summary>Name of the resolver in use: the plugin's, else <see cref="ProvisioningTargetResolver.Name"/>.</summary>
    public static string TargetResolverName => s_resolver?.Name ?? ProvisioningTargetResolver.Name;

    public static void Use(IEnumerable<IConfigMutator> mutators, IProvisioningTargetResolver? resolver)
    {
        s_mutators = [.. mutators];
        s_resolver = resolver;
    }

    /// <summary>The resolver in use: the compiled-in one, else the stock one with DNS SRV lookups.</summary>
    public static IProvisioningTargetResolver CreateTargetResolver(ILoggerFactory loggers) =>
        s_resolver ?? new ProvisioningTargetResolver(new DnsSrvResolver(loggers.CreateLogger<DnsSrvResolver>()));

    /// <summary>Runs every mutator over <paramref name="config"/> in order; a mutator that throws stops the role with its name.</summary>
    public static ChoriaConfig Mutate(ChoriaConfig config, ILoggerFactory loggers)
    {
        var mutators = s_mutators;
        if (mutators.Length == 0)
        {
            return config;
        }

        var logger = loggers.CreateLogger("Choria.Config.Mutators");
        foreach (var mutator in mutators)
        {
            try
            {
                config = mutator.Mutate(config, logger) ?? throw new FrameworkException($"configuration mutator {mutator.Name} returned no configuration");
                LogMutated(logger, mutator.Name);
            }
            catch (Exception e) when (e is not FrameworkException and not OutOfMemoryException)
            {
                throw new FrameworkException($"configuration mutator {mutator.Name} failed: {e.Message}");
            }
        }

        return config;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Configuration mutator {Mutator} applied")]
    private static partial void LogMutated(ILogger logger, string mutator);
}
