using Choria.Protocol.Filters;

namespace Choria.Client.Typed;

/// <summary>Who a typed client asks and how: a filter or explicit nodes, collective, timeouts, batching, a limit.</summary>
public sealed record AgentRequestOptions
{
    public Filter? Filter { get; init; }

    /// <summary>Ask exactly these nodes instead of discovering.</summary>
    public IReadOnlyList<string>? Nodes { get; init; }

    public string? Collective { get; init; }

    public TimeSpan? Timeout { get; init; }

    public TimeSpan? DiscoveryTimeout { get; init; }

    public int BatchSize { get; init; }

    /// <summary>A number or percentage of the discovered nodes, as <c>--limit</c>.</summary>
    public string? Limit { get; init; }
}
