using Choria.Config;
using Choria.Config.Settings;
using Choria.Connector;

namespace Choria.Broker.Adapters;

/// <summary>One protocol adapter (docs/adapters.md).</summary>
public sealed record AdapterOptions
{
    // The table's pattern keys: defaults and minimums live there, and the loader has enforced them.
    private const string Keys = "plugin.choria.adapter.<name>.";

    public required string Name { get; init; }

    public AdapterType Type { get; init; } = AdapterType.JetStream;

    /// <summary>Capacity of the work queue between ingest and output; a full queue drops.</summary>
    public int QueueLength { get; init; } = SettingsTable.IntDefault(Keys + "queue_len");

    /// <summary><c>stream.servers</c>, falling back to the collective middleware when unset.</summary>
    public BrokerResolutionOptions StreamBrokers { get; init; } = new();

    /// <summary>Output subject; <c>%s</c> is replaced by the message's sender identity.</summary>
    public required string StreamTopic { get; init; }

    public int StreamWorkers { get; init; } = SettingsTable.IntDefault(Keys + "stream.workers");

    /// <summary>Collective subject to read, wildcards allowed.</summary>
    public required string IngestTopic { get; init; }

    public AdapterIngestProtocol IngestProtocol { get; init; } = AdapterIngestProtocol.Reply;

    public int IngestWorkers { get; init; } = SettingsTable.IntDefault(Keys + "ingest.workers");

    /// <summary>Collective middleware the ingest side connects to.</summary>
    public BrokerResolutionOptions CollectiveBrokers { get; init; } = new();

    /// <summary>This broker's identity, a metric label.</summary>
    public string Identity { get; init; } = "";

    /// <summary>Messages each ingest subscription buffers before NATS drops them.</summary>
    public int SubscriptionCapacity { get; init; } = 1000;

    /// <summary>How long one stream publish may wait for the JetStream acknowledgement.</summary>
    public TimeSpan PublishTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Stream publishes one output worker keeps awaiting acknowledgement at once; waiting for each
    /// ack before the next publish caps a worker at one message per round trip.
    /// </summary>
    public int PublishWindow { get; init; } = 32;

    /// <summary>Minimum time between two log lines for the same drop reason.</summary>
    public TimeSpan DropLogInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The <c>&lt;kind&gt;</c> part of the output protocol name.</summary>
    public string OutputKind => Type == AdapterType.ChoriaStreams ? "choria_streams" : "jetstream";

    /// <summary>Every adapter named in <c>plugin.choria.adapters</c>.</summary>
    public static IReadOnlyList<AdapterOptions> AllFromConfig(ChoriaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return [.. config.GetList("plugin.choria.adapters").Select(name => FromConfig(config, name))];
    }

    /// <summary>
    /// The one mapping from <c>plugin.choria.adapter.&lt;name&gt;.*</c>. Numbers come through the typed getters (the
    /// loader has already refused values outside the table's rules); type and topics are read from the raw values as
    /// Go does, and invalid or missing ones throw <see cref="ConfigException"/> with Go's wording.
    /// </summary>
    public static AdapterOptions FromConfig(ChoriaConfig config, string name)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var prefix = $"plugin.choria.adapter.{name}.";
        string? Raw(string key) => config.Raw(prefix + key) is { } v && v.Trim().Length > 0 ? v.Trim() : null;

        var type = Raw("type") switch
        {
            null => throw Error(prefix + "type", $"could not determine type for adapter {name}, set {prefix}type"),
            "jetstream" => AdapterType.JetStream,
            "choria_streams" => AdapterType.ChoriaStreams,
            "nats_stream" => throw Error(prefix + "type", $"adapter {name}: type nats_stream (NATS Streaming) is end of life and not supported; use type = jetstream and bind a JetStream stream to {prefix}stream.topic"),
            var other => throw Error(prefix + "type", $"adapter {name}: unknown Protocol Adapter type {other}"),
        };

        var ingestTopic = Raw("ingest.topic") ?? throw Error(prefix + "ingest.topic", $"adapter {name}: no ingest topic configured, set {prefix}ingest.topic");
        var collective = CollectiveResolution(config);
        var streamServers = Raw("stream.servers");
        if (streamServers is not null && !HostListParser.TryParse(streamServers, "nats", out _, out var hostError))
        {
            throw Error(prefix + "stream.servers", $"adapter {name}: invalid stream.servers: {hostError}");
        }

        return new AdapterOptions
        {
            Name = name,
            Type = type,
            QueueLength = config.GetInt(prefix + "queue_len"),
            StreamBrokers = streamServers is null ? collective : collective with { ConfiguredHosts = streamServers, Role = BrokerRole.Middleware },
            StreamTopic = Raw("stream.topic") ?? name,
            StreamWorkers = config.GetInt(prefix + "stream.workers"),
            IngestTopic = ingestTopic,
            IngestProtocol = config.GetString(prefix + "ingest.protocol") == "request" ? AdapterIngestProtocol.Request : AdapterIngestProtocol.Reply,
            IngestWorkers = config.GetInt(prefix + "ingest.workers"),
            CollectiveBrokers = collective,
            Identity = config.Identity,
        };
    }

    // docs/broker.md: a process configured as a federated client reaches its collectives through the federation brokers.
    private static BrokerResolutionOptions CollectiveResolution(ChoriaConfig config) =>
        config.FederationCollectives.Count > 0
            ? new BrokerResolutionOptions { ConfiguredHosts = string.Join(",", config.FederationMiddlewareHosts), UseSrv = config.UseSrv, SrvDomain = config.SrvDomain, Role = BrokerRole.Federation }
            : new BrokerResolutionOptions { ConfiguredHosts = string.Join(",", config.MiddlewareHosts), UseSrv = config.UseSrv, SrvDomain = config.SrvDomain, Role = BrokerRole.Middleware };

    private static ConfigException Error(string key, string message) => new(message) { Key = key };
}
