using System.Text.Json.Nodes;
using Choria.Ddl;
using Choria.Protocol.Filters;

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

/// <summary>How to find nodes (docs/client.md, docs/protocol.md).</summary>
public sealed record DiscoveryOptions
{
    /// <summary>Sub-collective; null means the main collective.</summary>
    public string? Collective { get; init; }

    public Filter Filter { get; init; } = new();

    /// <summary>Null means <see cref="ChoriaClientOptions.DiscoveryTimeout"/>.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Sliding window: after the first reply, stop once no new node answered for this long.</summary>
    public TimeSpan? Window { get; init; }
}

/// <summary>An RPC request (docs/client.md flow steps 3-5).</summary>
public sealed record RpcOptions
{
    public required string Agent { get; init; }

    public required string Action { get; init; }

    /// <summary>Inputs; validated against <see cref="Ddl"/> before anything is sent.</summary>
    public JsonObject? Data { get; init; }

    /// <summary>Agent DDL: enables input validation, the agent timeout and aggregates.</summary>
    public AgentDdl? Ddl { get; init; }

    /// <summary>User filter; the agent is added automatically.</summary>
    public Filter Filter { get; init; } = new();

    public string? Collective { get; init; }

    /// <summary>Known targets (e.g. <c>--nodes</c>); null runs broadcast discovery first.</summary>
    public IReadOnlyList<string>? Nodes { get; init; }

    public TimeSpan? DiscoveryTimeout { get; init; }

    public TimeSpan? DiscoveryWindow { get; init; }

    /// <summary>Targets per batch; 0 sends to all at once.</summary>
    public int BatchSize { get; init; }

    public TimeSpan BatchSleep { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary><c>N</c> or <c>N%</c>.</summary>
    public string? Limit { get; init; }

    /// <summary>Null means the client's configured method.</summary>
    public LimitMethod? LimitMethod { get; init; }

    public int? LimitSeed { get; init; }

    /// <summary>Reply timeout per batch; null means discovery timeout + DDL agent timeout.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Called on the receive loop for every accepted reply; keep it cheap.</summary>
    public Action<RpcReply>? OnReply { get; init; }

    /// <summary>Called just before broadcast discovery starts; not called when <see cref="Nodes"/> are given.</summary>
    public Action? OnDiscovering { get; init; }

    /// <summary>Called after broadcast discovery with the number of nodes found (before any limit) and the time it took.</summary>
    public Action<int, TimeSpan>? OnDiscovered { get; init; }

    /// <summary>Called once the targets are final (after discovery and limit), with their count, before anything is published.</summary>
    public Action<int>? OnTargets { get; init; }
}

/// <summary>The nodes found and how long it took.</summary>
public sealed record DiscoveryResult(IReadOnlyList<string> Nodes, TimeSpan Elapsed, int Rejected);

/// <summary>One ping reply: transport sender and round-trip latency.</summary>
public readonly record struct PingReply(string Sender, TimeSpan Latency);

/// <summary>A request that cannot be sent (bad inputs, unknown action, no nodes) or a connection that failed.</summary>
public sealed class ChoriaClientException(string message, Exception? inner = null) : Exception(message, inner);
