namespace Choria.Protocol;

/// <summary>Why a message was rejected; stable enough to count in metrics.</summary>
public enum ProtocolErrorReason
{
    PayloadTooLarge,
    InvalidJson,
    TooDeeplyNested,
    NotAnObject,
    UnknownProtocol,
    MissingField,
    WrongType,
    ConstraintViolation,
    InvalidBase64,
    UnknownEventFormat,
}
