namespace Choria.Machine.Manifest;

/// <summary>One event of the state machine: valid in any of <see cref="From"/>, moves to <see cref="Destination"/>.</summary>
public sealed record TransitionSpec(string Name, IReadOnlyList<string> From, string Destination, string Description = "");
