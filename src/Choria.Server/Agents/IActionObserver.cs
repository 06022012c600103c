namespace Choria.Server.Agents;

/// <summary>Receives one call per handled mcorpc action.</summary>
public interface IActionObserver
{
    void ObserveAction(string agent, string action, int statusCode, double seconds);
}
