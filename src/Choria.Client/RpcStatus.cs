namespace Choria.Client;

/// <summary>SimpleRPC status codes (docs/agents.md).</summary>
public enum RpcStatus
{
    Ok = 0,
    Aborted = 1,
    UnknownAction = 2,
    MissingData = 3,
    InvalidData = 4,
    UnknownError = 5,
}
