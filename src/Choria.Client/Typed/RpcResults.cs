namespace Choria.Client.Typed;

/// <summary>Every reply of one typed request plus its statistics.</summary>
public sealed record RpcResults<T>(IReadOnlyList<ResultDetails<T>> Replies, RpcStats Stats);
