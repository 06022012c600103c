namespace Choria.Connector;

/// <summary>One SRV answer. <see cref="Target"/> has its trailing dot trimmed.</summary>
public sealed record SrvRecord(string Target, int Port, int Priority, int Weight);
