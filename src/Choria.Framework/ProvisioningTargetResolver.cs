using Choria.Config.Build;
using Choria.Connector;
using Choria.Framework.Plugins;
using Microsoft.Extensions.Logging;

namespace Choria.Framework;

/// <summary>
/// The default provisioning target resolver (docs/provisioning.md): the build's broker URLs, else SRV records of the
/// build's domain, looked up until found or cancelled, else nothing.
/// </summary>
public sealed partial class ProvisioningTargetResolver(ISrvResolver srv) : IProvisioningTargetResolver
{
    /// <summary>Shown by <c>choria buildinfo</c> and <c>choria tool provisioner</c>.</summary>
    public const string Name = "Default";

    string IProvisioningTargetResolver.Name => Name;

    /// <summary>The 2020 record names, in lookup order; the second really has no underscore before <c>tcp</c>.</summary>
    public static readonly IReadOnlyList<string> SrvRecords = ["_mcollective-provisioner._tcp", "_choria-provisioner.tcp"];

    /// <summary>Delay between SRV rounds; tests shorten it.</summary>
    public Func<int, TimeSpan> RetryDelay { get; init; } = attempt => Backoff.TwentySec.Duration(attempt);

    /// <summary>The provisioning brokers as <c>host:port</c>; empty when the build names none.</summary>
    public async Task<IReadOnlyList<string>> TargetsAsync(BuildSettings build, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(build);
        if (build.ProvisionBrokerUrls.Length > 0)
        {
            return ProvisioningConfig.ConfiguredUrls(build);
        }

        var domain = build.ProvisionBrokerSrvDomain;
        if (domain.Length == 0)
        {
            LogNoTargets(logger);
            return [];
        }

        for (var attempt = 1; ; attempt++)
        {
            foreach (var record in SrvRecords)
            {
                var name = $"{record}.{domain}";
                var found = await srv.ResolveAsync(name, cancellationToken).ConfigureAwait(false);
                if (found.Count > 0)
                {
                    LogFound(logger, found.Count, name);
                    return [.. SrvOrdering.Order(found).Select(r => new BrokerHost(r.Target, r.Port).HostPort)];
                }
            }

            LogSrvFailed(logger, domain, attempt);
            await Task.Delay(RetryDelay(attempt), cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No provisioning broker URLs or SRV domain are compiled into this binary, cannot find a provisioning broker")]
    private static partial void LogNoTargets(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Found {Count} SRV records for {Name}")]
    private static partial void LogFound(ILogger logger, int count, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Resolving provisioning brokers via SRV lookups in domain {Domain} failed on try {Attempt}, will keep trying")]
    private static partial void LogSrvFailed(ILogger logger, string domain, int attempt);
}
