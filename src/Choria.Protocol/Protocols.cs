namespace Choria.Protocol;

/// <summary>Protocol identifiers of the v1 layers (protocol.md 2.1).</summary>
public static class Protocols
{
    public const string RequestV1 = "choria:request:1";
    public const string ReplyV1 = "choria:reply:1";
    public const string SecureRequestV1 = "choria:secure:request:1";
    public const string SecureReplyV1 = "choria:secure:reply:1";
    public const string TransportV1 = "choria:transport:1";
}
