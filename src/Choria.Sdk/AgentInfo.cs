namespace Choria.Sdk;

/// <summary>
/// Metadata shown by <c>rpcutil#agent_inventory</c>. When the agent has a DDL the server takes the metadata from
/// the DDL instead, so the two cannot disagree.
/// </summary>
public sealed record AgentInfo
{
    public required string Name { get; init; }

    public string Description { get; init; } = "";

    public string Author { get; init; } = "";

    public string Version { get; init; } = "";

    public string License { get; init; } = "";

    public string Url { get; init; } = "";

    /// <summary>Seconds an action may run before the server gives up on it (at least 1).</summary>
    public int Timeout { get; init; } = 10;
}
