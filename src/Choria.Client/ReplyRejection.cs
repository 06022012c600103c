namespace Choria.Client;

/// <summary>Why a reply was not accepted.</summary>
public enum ReplyRejection
{
    None,
    NotTransport,
    InvalidBase64,
    NotSecureReply,
    HashMismatch,
    NotReply,
    WrongRequest,
}
