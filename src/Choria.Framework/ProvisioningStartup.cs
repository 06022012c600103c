using Choria.Config;
using Choria.Config.Build;
using Choria.Framework.Logging;
using Choria.Framework.Plugins;
using Microsoft.Extensions.Logging;

namespace Choria.Framework;

/// <summary>Turns the configuration of a server in provisioning mode into the one it runs with (docs/provisioning.md).</summary>
public static partial class ProvisioningStartup
{
    /// <summary>
    /// Finds the provisioning brokers (SRV lookups repeat until found or cancelled) and returns the provisioning
    /// configuration pointing at them. When the build names no brokers the server is not provisioning after all and
    /// keeps <paramref name="config"/> and its normal brokers.
    /// </summary>
    public static async Task<(ChoriaConfig Config, bool Provisioning)> ConfigureAsync(ChoriaConfig config, bool debug, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        var provisioning = ProvisioningConfig.Configure(config);
        using var loggers = ChoriaLogging.CreateFactory(provisioning, debug);
        var logger = loggers.CreateLogger("Choria.Provisioning");
        var resolver = FrameworkPlugins.CreateTargetResolver(loggers);
        var targets = await resolver.TargetsAsync(config.Build, logger, cancellationToken).ConfigureAwait(false);
        if (targets.Count == 0)
        {
            LogNoServers(logger, resolver.Name);
            return (config, false);
        }

        LogProvisioning(logger, string.Join(", ", targets));
        return (provisioning.With(new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["plugin.choria.middleware_hosts"] = string.Join(',', targets),
            ["plugin.choria.use_srv"] = "false",
        }, "<provisioning>"), true);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "provisioning target plugin {Resolver} returned no servers, using the configured brokers")]
    private static partial void LogNoServers(ILogger logger, string resolver);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Choria Server is in provisioning mode, provisioning brokers: {Brokers}")]
    private static partial void LogProvisioning(ILogger logger, string brokers);
}
