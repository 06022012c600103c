using System.Threading.Channels;

namespace Choria.Connector;

/// <summary>How one <see cref="ChoriaConnection"/> connects; defaults follow Choria's NATS client settings.</summary>
public sealed record ConnectorOptions
{
    /// <summary>Brokers to try, in order when <see cref="Randomize"/> is false.</summary>
    public IReadOnlyList<BrokerHost> Servers { get; init; } = [];

    /// <summary>null means plain TCP.</summary>
    public ConnectorTlsOptions? Tls { get; init; }

    /// <summary>NATS connection name; servers use their certname.</summary>
    public string Name { get; init; } = "choria";

    /// <summary>Used only when both user and password are non-empty.</summary>
    public string? User { get; init; }

    public string? Password { get; init; }

    /// <summary><c>plugin.choria.randomize_middleware_hosts</c>.</summary>
    public bool Randomize { get; init; } = true;

    /// <summary>-1 is unlimited, Choria's setting.</summary>
    public int MaxReconnects { get; init; } = -1;

    /// <summary>Wait between reconnect attempts (nats.go default 2 s); jittered by <see cref="ReconnectJitter"/>.</summary>
    public TimeSpan ReconnectWait { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan ReconnectJitter { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Bytes a publisher may queue while disconnected (Choria: 10 KiB). NATS.Net has no byte-bounded
    /// reconnect buffer; the connection enforces it itself, failing publishes beyond the limit.
    /// </summary>
    public int ReconnectBufferSize { get; init; } = 10 * 1024;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Initial connect retries forever with this policy until cancelled.</summary>
    public Backoff InitialConnectBackoff { get; init; } = Backoff.FiveSec;

    public TimeSpan PingInterval { get; init; } = TimeSpan.FromMinutes(2);

    public int MaxPingsOutstanding { get; init; } = 2;

    /// <summary>Default per-subscription buffer (messages) between the socket reader and the consumer.</summary>
    public int SubscriptionCapacity { get; init; } = 1024;

    /// <summary>What a full subscription buffer does; drops are counted either way, never silent.</summary>
    public BoundedChannelFullMode SubscriptionFullMode { get; init; } = BoundedChannelFullMode.DropNewest;

    /// <summary>Socket buffer sizes; the fleet emulator lowers them to fit thousands of connections.</summary>
    public int WriterBufferSize { get; init; } = 64 * 1024;

    public int ReaderBufferSize { get; init; } = 64 * 1024;

    /// <summary>Prefix for NATS.Net's own request inboxes (Choria builds its reply subjects itself).</summary>
    public string InboxPrefix { get; init; } = "_INBOX";
}
