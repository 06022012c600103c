using Choria.Config;
using Choria.Connector;

namespace Choria.Broker.Federation;

/// <summary>One federation broker instance (docs/federation.md). Defaults are the Go pipeline sizes.</summary>
public sealed record FederationBrokerOptions
{
    /// <summary><c>plugin.choria.federation.cluster</c>: names the subjects and queue groups.</summary>
    public string Cluster { get; init; } = "mcollective";

    /// <summary>This instance's <c>identity</c>, shown in seen-by hops and metric labels.</summary>
    public string Identity { get; init; } = "";

    /// <summary>Federation network brokers (<c>plugin.choria.federation_middleware_hosts</c>, then SRV).</summary>
    public BrokerResolutionOptions FederationBrokers { get; init; } = new() { Role = BrokerRole.Federation };

    /// <summary>Member collective brokers (<c>plugin.choria.middleware_hosts</c>, then SRV, then puppet:4222).</summary>
    public BrokerResolutionOptions CollectiveBrokers { get; init; } = new() { Role = BrokerRole.Middleware };

    /// <summary>Ingest workers per side, each with its own connection and queue-group subscription.</summary>
    public int IngestWorkers { get; init; } = 10;

    public int TransformerWorkers { get; init; } = 10;

    /// <summary>Egest workers per side, each with its own connection.</summary>
    public int EgestWorkers { get; init; } = 10;

    /// <summary>Messages each ingest subscription buffers before NATS drops (slow consumer).</summary>
    public int SubscriptionCapacity { get; init; } = 1024;

    /// <summary>Ingest → transformer channel; writes wait when full so egest back-pressures ingest.</summary>
    public int TransformerQueueCapacity { get; init; } = 1000;

    /// <summary>Transformer → egest channel.</summary>
    public int EgestQueueCapacity { get; init; } = 10000;

    /// <summary>
    /// Most messages a stage hands to the next in one channel write. A stage takes only what is already waiting,
    /// never waits to fill a batch, so an idle broker still forwards each message at once; under load one hand-off
    /// carries many messages. The queue capacities above stay message counts: a channel holds at most
    /// capacity / batch size batches.
    /// </summary>
    public int HandOffBatchSize { get; init; } = 32;

    /// <summary>Minimum time between two log lines for the same drop reason.</summary>
    public TimeSpan DropLogInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The one mapping from configuration. Throws <see cref="ConfigException"/> when
    /// <c>plugin.choria.federation.collectives</c> is set: the collective side would then resolve to
    /// the federation network and the broker would loop messages back to itself.
    /// </summary>
    public static FederationBrokerOptions FromConfig(ChoriaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.FederationCollectives.Count > 0)
        {
            throw new ConfigException("plugin.choria.federation.collectives must be empty on a federation broker, it is a client setting") { Key = "plugin.choria.federation.collectives" };
        }

        return new FederationBrokerOptions
        {
            Cluster = config.FederationCluster,
            Identity = config.Identity,
            FederationBrokers = new BrokerResolutionOptions
            {
                ConfiguredHosts = string.Join(",", config.FederationMiddlewareHosts),
                UseSrv = config.UseSrv,
                SrvDomain = config.SrvDomain,
                Role = BrokerRole.Federation,
            },
            CollectiveBrokers = new BrokerResolutionOptions
            {
                ConfiguredHosts = string.Join(",", config.MiddlewareHosts),
                UseSrv = config.UseSrv,
                SrvDomain = config.SrvDomain,
                Role = BrokerRole.Middleware,
            },
        };
    }
}
