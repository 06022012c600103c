namespace Choria.Client;

/// <summary>A parsed <c>--limit</c>: <see cref="Count"/> nodes, or <see cref="Count"/> percent of them.</summary>
public readonly record struct NodeLimit(int Count, bool Percent);
