namespace Choria.Client;

/// <summary>The nodes found and how long it took.</summary>
public sealed record DiscoveryResult(IReadOnlyList<string> Nodes, TimeSpan Elapsed, int Rejected);
