namespace Choria.Client;

/// <summary>Settings of a client instance, normally taken from the configuration by <see cref="ChoriaClient.ConnectAsync"/>.</summary>
public sealed record ChoriaClientOptions
{
    public string MainCollective { get; init; } = "mcollective";

    /// <summary><c>discovery_timeout</c>: discovery window and the base of RPC timeouts.</summary>
    public TimeSpan DiscoveryTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Up to this many targets get one direct message each; more are reached with one broadcast.</summary>
    public int DirectAddressingThreshold { get; init; } = 10;

    /// <summary>False forces broadcast RPC (MCollective <c>direct_addressing = false</c>).</summary>
    public bool DirectAddressing { get; init; } = true;

    public LimitMethod LimitMethod { get; init; } = LimitMethod.First;

    /// <summary>Federation broker names; non-empty means every request goes through <c>choria.federation.*</c>.</summary>
    public IReadOnlyList<string> Federations { get; init; } = [];

    /// <summary>
    /// Reply receiver connections (docs/client.md <c>--workers</c>). One means requests and replies share
    /// one connection; more adds that many receivers in one queue group beside a publishing connection.
    /// </summary>
    public int Receivers { get; init; } = 1;

    /// <summary>
    /// The client lives for one bounded request (the CLI's <c>req</c>, <c>ping</c>, <c>discover</c>...): its
    /// connections send no keep-alive pings, the request's own timeout bounds a dead broker. Skipping the ping timer
    /// also spares every such process the cost of cancelling it at exit (docs/performance.md).
    /// </summary>
    public bool ShortLived { get; init; }

    /// <summary>Known replies one receiver connection is opened for (<see cref="ReceiversFor"/>).</summary>
    public const int RepliesPerReceiver = 100;

    /// <summary>
    /// Receiver connections for a request: <paramref name="workers"/> (<c>--workers</c>), but no more than one per
    /// <see cref="RepliesPerReceiver"/> replies when the number is known up front (<c>--nodes</c>, <c>--expect</c>).
    /// Each extra connection is a TLS handshake with a client-certificate signature, which costs more than one
    /// connection spends absorbing a hundred replies (docs/performance.md).
    /// </summary>
    public static int ReceiversFor(int workers, int? knownReplies)
    {
        var wanted = Math.Max(1, workers);
        if (knownReplies is not { } known || known <= 0)
        {
            return wanted;
        }

        return Math.Min(wanted, (int)Math.Ceiling(known / (double)RepliesPerReceiver));
    }

    /// <summary>Reply buffer; beyond this the NATS reader waits for the client instead of dropping replies.</summary>
    public int ReplyBufferCapacity { get; init; } = 65536;
}
