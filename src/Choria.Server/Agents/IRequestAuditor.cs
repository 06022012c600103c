namespace Choria.Server.Agents;

/// <summary>Records authorized requests (docs/agents.md).</summary>
public interface IRequestAuditor
{
    void Audit(ActionRequest request);
}
