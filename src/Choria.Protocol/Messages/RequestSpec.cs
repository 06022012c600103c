using Choria.Protocol.Filters;

namespace Choria.Protocol.Messages;

/// <summary>What a sender supplies to build a request; time and (by default) the id are generated.</summary>
public sealed record RequestSpec
{
    public required string Agent { get; init; }

    public required string Collective { get; init; }

    /// <summary><c>choria=&lt;certname&gt;</c>.</summary>
    public required string CallerId { get; init; }

    /// <summary>The sender's configured identity.</summary>
    public required string SenderId { get; init; }

    /// <summary>Agent payload text, normally raw JSON (docs/protocol.md).</summary>
    public required string Message { get; init; }

    public Filter? Filter { get; init; }

    public int Ttl { get; init; } = 60;

    public string? RequestId { get; init; }
}
