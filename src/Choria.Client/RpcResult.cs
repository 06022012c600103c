namespace Choria.Client;

/// <summary>The outcome of <see cref="ChoriaClient.RequestAsync(PreparedRpc, CancellationToken)"/>.</summary>
public sealed record RpcResult(string Agent, string Action, IReadOnlyList<RpcReply> Replies, RpcStats Stats, IReadOnlyList<AggregateSummary> Summaries);
