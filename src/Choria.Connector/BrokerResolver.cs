using Microsoft.Extensions.Logging;

namespace Choria.Connector;

/// <summary>Which broker set is wanted: the collective's own middleware or the federation's.</summary>
public enum BrokerRole
{
    Middleware,
    Federation,
}

/// <summary>Where a resolved broker list came from.</summary>
public enum BrokerSource
{
    None,
    Configured,
    Srv,
    Default,
}

/// <summary>Input of <see cref="BrokerResolver"/>; callers map their configuration onto it.</summary>
public sealed record BrokerResolutionOptions
{
    /// <summary><c>plugin.choria.middleware_hosts</c> or <c>federation_middleware_hosts</c>, raw comma list.</summary>
    public string? ConfiguredHosts { get; init; }

    /// <summary><c>plugin.choria.use_srv</c>.</summary>
    public bool UseSrv { get; init; } = true;

    /// <summary><c>plugin.choria.srv_domain</c> or the machine's domain; SRV is skipped when empty.</summary>
    public string? SrvDomain { get; init; }

    public BrokerRole Role { get; init; } = BrokerRole.Middleware;

    /// <summary>Scheme given to every entry (Choria always passes <c>nats</c>).</summary>
    public string DefaultScheme { get; init; } = "nats";
}

/// <summary>Outcome of a resolution: hosts and their source, or an error for the operator.</summary>
public sealed record BrokerResolution(IReadOnlyList<BrokerHost> Hosts, BrokerSource Source, string? Error)
{
    public bool Success => Error is null;
}

/// <summary>
/// Middleware server resolution (docs/protocol.md, docs/broker.md): configured list, then SRV
/// (when enabled), then <c>puppet:4222</c> for the collective middleware. Federation has no default.
/// </summary>
public sealed partial class BrokerResolver(ISrvResolver srv, ILogger logger)
{
    public static readonly IReadOnlyList<string> MiddlewareSrvRecords = ["_mcollective-server._tcp", "_x-puppet-mcollective._tcp"];
    public static readonly IReadOnlyList<string> FederationSrvRecords = ["_mcollective-federation_server._tcp", "_x-puppet-mcollective_federation._tcp"];
    public static readonly BrokerHost DefaultBroker = new("puppet", 4222, "nats");

    public async ValueTask<BrokerResolution> ResolveAsync(BrokerResolutionOptions options, CancellationToken cancellationToken)
    {
        if (!HostListParser.TryParse(options.ConfiguredHosts, options.DefaultScheme, out var configured, out var error))
        {
            return new BrokerResolution([], BrokerSource.None, error);
        }

        if (configured.Count > 0)
        {
            return Found(configured, BrokerSource.Configured);
        }

        if (options.UseSrv && !string.IsNullOrWhiteSpace(options.SrvDomain))
        {
            var names = options.Role == BrokerRole.Federation ? FederationSrvRecords : MiddlewareSrvRecords;
            var domain = options.SrvDomain.Trim().TrimEnd('.');
            foreach (var record in names)
            {
                var query = $"{record}.{domain}";
                var answers = await srv.ResolveAsync(query, cancellationToken).ConfigureAwait(false);
                if (answers.Count > 0)
                {
                    var scheme = options.DefaultScheme.Length == 0 ? "nats" : options.DefaultScheme;
                    return Found([.. answers.Select(a => new BrokerHost(a.Target.TrimEnd('.'), a.Port, scheme))], BrokerSource.Srv);
                }

                LogSrvEmpty(logger, query);
            }
        }

        if (options.Role == BrokerRole.Federation)
        {
            return new BrokerResolution([], BrokerSource.None, "no federation middleware servers configured or found in SRV records");
        }

        return Found([DefaultBroker], BrokerSource.Default);
    }

    private BrokerResolution Found(IReadOnlyList<BrokerHost> hosts, BrokerSource source)
    {
        LogBrokers(logger, string.Join(", ", hosts.Select(h => h.Url)), source);
        return new BrokerResolution(hosts, source, null);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "SRV record {Query} did not resolve")]
    private static partial void LogSrvEmpty(ILogger logger, string query);

    [LoggerMessage(Level = LogLevel.Information, Message = "Choria Network Brokers: {Brokers} (from {Source})")]
    private static partial void LogBrokers(ILogger logger, string brokers, BrokerSource source);
}
