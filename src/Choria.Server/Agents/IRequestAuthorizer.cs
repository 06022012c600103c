namespace Choria.Server.Agents;

/// <summary>Decides whether a request may run (docs/agents.md).</summary>
public interface IRequestAuthorizer
{
    bool IsAuthorized(ActionRequest request);
}
