using Microsoft.Extensions.Logging;

namespace Choria.Connector;

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
