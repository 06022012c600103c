namespace Choria.Server.Agents;

/// <summary>The autonomous agent host, when the server runs one.</summary>
public interface IMachineHost
{
    IReadOnlyList<MachineState> States();

    /// <summary>Fires <paramref name="transition"/> on the first matching machine; returns the error text or null.</summary>
    string? Transition(MachineSelector selector, string transition);
}
