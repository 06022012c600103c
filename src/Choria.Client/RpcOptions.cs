using System.Text.Json.Nodes;
using Choria.Ddl;
using Choria.Protocol.Filters;

namespace Choria.Client;

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
