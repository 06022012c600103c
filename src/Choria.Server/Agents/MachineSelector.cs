namespace Choria.Server.Agents;

/// <summary>Selects a machine for <c>choria_util#machine_transition</c>; empty fields match anything.</summary>
public sealed record MachineSelector(string Name, string Version, string Path, string Id);
