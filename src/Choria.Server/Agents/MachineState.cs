namespace Choria.Server.Agents;

/// <summary>State of one autonomous agent (docs/agents.md MachineState).</summary>
public sealed record MachineState
{
    public string Name { get; init; } = "";

    public string Version { get; init; } = "";

    public string State { get; init; } = "";

    public string Path { get; init; } = "";

    public string Id { get; init; } = "";

    public long StartTime { get; init; }

    public IReadOnlyList<string> AvailableTransitions { get; init; } = [];
}
