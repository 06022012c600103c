namespace Choria.Server.Agents;

/// <summary>Processing counters (docs/server.md) as reported by <c>rpcutil#daemon_stats</c>.</summary>
public sealed record ServerStats
{
    public long Total { get; init; }

    public long Validated { get; init; }

    public long Unvalidated { get; init; }

    public long Passed { get; init; }

    public long Filtered { get; init; }

    public long Replies { get; init; }

    public long TtlExpired { get; init; }

    public long Events { get; init; }
}
