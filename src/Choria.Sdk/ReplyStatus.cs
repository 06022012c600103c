namespace Choria.Sdk;

/// <summary>SimpleRPC status codes.</summary>
public enum ReplyStatus
{
    OK = 0,
    Aborted = 1,
    UnknownAction = 2,
    MissingData = 3,
    InvalidData = 4,
    UnknownError = 5,
}
