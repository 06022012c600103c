namespace Choria.Broker.Stats;

/// <summary>Input of <see cref="ChoriaStatsServer"/> (docs/broker.md).</summary>
internal sealed record StatsServerOptions
{
    /// <summary><c>identity</c>: the <c>identity</c> label of every metric.</summary>
    public required string Identity { get; init; }

    /// <summary><c>plugin.choria.stats_port</c>; must be &gt; 0 for the server to be created.</summary>
    public required int Port { get; init; }

    /// <summary><c>plugin.choria.stats_address</c> (default <c>127.0.0.1</c>).</summary>
    public string Address { get; init; } = "127.0.0.1";

    /// <summary>Config file shown in <c>/choria/</c>.</summary>
    public string ConfigFile { get; init; } = "";

    /// <summary>How often nats-server's /varz is polled (docs/broker.md: 10 s).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(10);
}
