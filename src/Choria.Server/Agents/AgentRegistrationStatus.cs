namespace Choria.Server.Agents;

public enum AgentRegistrationStatus
{
    Registered,
    Denied,
    Duplicate,
    InvalidMetadata,
}
