using Choria.Config;
using Choria.Connector;
using Choria.Security;
using Microsoft.Extensions.Logging;

namespace Choria.Framework;

/// <summary>The one place that turns connection settings into <see cref="ConnectorOptions"/> (docs/server.md).</summary>
public static class ConnectorOptionsFactory
{
    /// <summary>
    /// Broker list: federation middleware when federation collectives are set and <paramref name="allowFederation"/>,
    /// else <c>plugin.choria.middleware_hosts</c>, SRV, then <c>puppet:4222</c>.
    /// </summary>
    public static async Task<IReadOnlyList<BrokerHost>> ResolveBrokersAsync(ChoriaConfig config, ILoggerFactory loggers, bool allowFederation, CancellationToken cancellationToken)
    {
        var federated = allowFederation && FederationCollectives(config).Count > 0;
        var resolver = new BrokerResolver(new DnsSrvResolver(loggers.CreateLogger<DnsSrvResolver>()), loggers.CreateLogger<BrokerResolver>());
        var hosts = federated ? config.FederationMiddlewareHosts : config.MiddlewareHosts;
        var resolution = await resolver.ResolveAsync(
            new BrokerResolutionOptions
            {
                ConfiguredHosts = hosts.Count == 0 ? null : string.Join(',', hosts),
                UseSrv = config.UseSrv,
                SrvDomain = string.IsNullOrEmpty(config.SrvDomain) ? null : config.SrvDomain,
                Role = federated ? BrokerRole.Federation : BrokerRole.Middleware,
            },
            cancellationToken).ConfigureAwait(false);
        if (!resolution.Success)
        {
            throw new FrameworkException($"could not determine the Choria brokers: {resolution.Error}");
        }

        return resolution.Hosts;
    }

    /// <summary><c>CHORIA_FED_COLLECTIVE</c> wins over <c>plugin.choria.federation.collectives</c> (docs/configuration.md).</summary>
    public static IReadOnlyList<string> FederationCollectives(ChoriaConfig config)
    {
        var env = config.Env("CHORIA_FED_COLLECTIVE");
        if (!string.IsNullOrWhiteSpace(env))
        {
            return [.. env.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
        }

        return [.. config.FederationCollectives.Where(c => !string.IsNullOrWhiteSpace(c))];
    }

    public static ConnectorOptions Create(ChoriaConfig config, ISecurityProvider security, IReadOnlyList<BrokerHost> brokers, string connectionName, bool verifyTls = true) => new()
    {
        Servers = brokers,
        Name = connectionName,
        Tls = config.DisableTls
            ? null
            : new ConnectorTlsOptions(security.CertificatePath, security.PrivateKeyPath, security.CaPath, verifyTls) { ClientCertificates = security.ClientCertificates },
        User = NonEmpty(config.NatsUser),
        Password = NonEmpty(config.NatsPassword),
        Randomize = config.RandomizeMiddlewareHosts,
    };

    private static string? NonEmpty(string value) => string.IsNullOrEmpty(value) ? null : value;
}
