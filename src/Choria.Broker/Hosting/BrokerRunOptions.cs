using Choria.Config;
using Choria.Config.Settings;

namespace Choria.Broker.Hosting;

/// <summary>Which broker features <c>choria broker run</c> starts and how long it lets them stop (docs/broker.md).</summary>
internal sealed record BrokerRunOptions
{
    private const string SoftShutdownKey = "plugin.choria.network.soft_shutdown_timeout";

    /// <summary><c>plugin.choria.broker_network</c>: run the supervised nats-server.</summary>
    public bool Network { get; init; }

    /// <summary><c>plugin.choria.broker_federation</c>: run the federation broker.</summary>
    public bool Federation { get; init; }

    /// <summary><c>plugin.choria.network.soft_shutdown_timeout</c>: how long the features get to stop.</summary>
    public TimeSpan SoftShutdownTimeout { get; init; } = TimeSpan.FromSeconds(SettingsTable.IntDefault(SoftShutdownKey));

    public static BrokerRunOptions FromConfig(ChoriaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new BrokerRunOptions
        {
            Network = config.GetBool("plugin.choria.broker_network"),
            Federation = config.GetBool("plugin.choria.broker_federation"),
            SoftShutdownTimeout = TimeSpan.FromSeconds(config.GetInt(SoftShutdownKey)),
        };
    }
}
