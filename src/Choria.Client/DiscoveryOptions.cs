using Choria.Protocol.Filters;

namespace Choria.Client;

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
