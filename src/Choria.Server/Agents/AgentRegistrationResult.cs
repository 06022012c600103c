namespace Choria.Server.Agents;

public sealed record AgentRegistrationResult(AgentRegistrationStatus Status, string? Error)
{
    /// <summary>Deny-listed agents are skipped, which Go reports as success.</summary>
    public bool Success => Status is AgentRegistrationStatus.Registered or AgentRegistrationStatus.Denied;
}
