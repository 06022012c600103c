namespace Choria.Protocol;

/// <summary>Protocol identifiers of the v1 layers (docs/protocol.md).</summary>
public static class Protocols
{
    public const string RequestV1 = "choria:request:1";
    public const string ReplyV1 = "choria:reply:1";
    public const string SecureRequestV1 = "choria:secure:request:1";
    public const string SecureReplyV1 = "choria:secure:reply:1";
    public const string TransportV1 = "choria:transport:1";

    // The same identifiers as UTF-8, for readers that compare JSON tokens without transcoding them.
    public static ReadOnlySpan<byte> RequestV1Utf8 => "choria:request:1"u8;

    public static ReadOnlySpan<byte> ReplyV1Utf8 => "choria:reply:1"u8;

    public static ReadOnlySpan<byte> SecureRequestV1Utf8 => "choria:secure:request:1"u8;

    public static ReadOnlySpan<byte> SecureReplyV1Utf8 => "choria:secure:reply:1"u8;

    public static ReadOnlySpan<byte> TransportV1Utf8 => "choria:transport:1"u8;
}
