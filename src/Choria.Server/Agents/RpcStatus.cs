namespace Choria.Server.Agents;

/// <summary>MCollective SimpleRPC status codes (docs/agents.md).</summary>
public enum RpcStatus
{
    OK = 0,
    Aborted = 1,
    UnknownAction = 2,
    MissingData = 3,
    InvalidData = 4,
    UnknownError = 5,
}
