using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Choria.Protocol.Json;
using System.Diagnostics.CodeAnalysis;

namespace Choria.Protocol.Messages;

/// <summary><c>choria:secure:reply:1</c> (docs/protocol.md): the reply text plus its SHA-256 for integrity.</summary>
public sealed record SecureReply
{
    [JsonPropertyName("protocol")]
    public string Protocol { get; init; } = Protocols.SecureReplyV1;

    [JsonPropertyName("message")]
    public string Message { get; init; } = "";

    [JsonPropertyName("hash")]
    public string Hash { get; init; } = "";

    public static SecureReply Create(string replyJson) => new() { Message = replyJson, Hash = ComputeHash(replyJson) };

    /// <summary>Wraps the UTF-8 reply JSON (e.g. <see cref="Reply.ToUtf8Bytes"/>) without re-encoding it to hash.</summary>
    public static SecureReply Create(ReadOnlySpan<byte> replyJsonUtf8) =>
        new() { Message = Encoding.UTF8.GetString(replyJsonUtf8), Hash = ComputeHash(replyJsonUtf8) };

    /// <summary>Base64 of SHA-256 over UTF-8(<paramref name="message"/>).</summary>
    public static string ComputeHash(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var utf8 = PooledBytes.Encode(message);
        return ComputeHash(utf8.Span);
    }

    /// <summary>Base64 of SHA-256 over <paramref name="messageUtf8"/>.</summary>
    public static string ComputeHash(ReadOnlySpan<byte> messageUtf8)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(messageUtf8, hash);
        return Convert.ToBase64String(hash);
    }

    /// <summary>True when <see cref="Hash"/> matches the received <see cref="Message"/> text.</summary>
    public bool IsHashValid()
    {
        Span<byte> expected = stackalloc byte[SHA256.HashSizeInBytes];
        using (var utf8 = PooledBytes.Encode(Message))
        {
            SHA256.HashData(utf8.Span, expected);
        }

        Span<byte> actual = stackalloc byte[64];
        return Convert.TryFromBase64String(Hash, actual, out var written)
            && CryptographicOperations.FixedTimeEquals(expected, actual[..written]);
    }

    public byte[] ToUtf8Bytes()
    {
        var writer = PooledJsonWriter.Rent();
        writer.WriteStartObject();
        writer.WriteString("protocol"u8, Protocol);
        writer.WriteString("message"u8, Message);
        writer.WriteString("hash"u8, Hash);
        writer.WriteEndObject();
        return PooledJsonWriter.Finish(writer);
    }

    public string ToJson() => Encoding.UTF8.GetString(ToUtf8Bytes());

    public static bool TryParse(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out SecureReply? message, [NotNullWhen(false)] out ProtocolError? error)
    {
        message = null;
        return JsonInput.TryParseObject(utf8, "secure reply", out var document, out error) && TryRead(document, out message, out error);
    }

    /// <summary>Parses memory that stays unchanged during the call, without copying it first.</summary>
    internal static bool TryParseInPlace(ReadOnlyMemory<byte> utf8, [NotNullWhen(true)] out SecureReply? message, [NotNullWhen(false)] out ProtocolError? error)
    {
        message = null;
        return JsonInput.TryParseObjectInPlace(utf8, "secure reply", out var document, out error) && TryRead(document, out message, out error);
    }

    private static bool TryRead(PooledDocument document, [NotNullWhen(true)] out SecureReply? message, [NotNullWhen(false)] out ProtocolError? error)
    {
        message = null;
        error = null;
        using (document)
        {
            var reader = new FieldReader(document.RootElement, "secure reply");
            reader.Protocol(Protocols.SecureReplyV1);
            var parsed = new SecureReply
            {
                Message = reader.RequiredString("message", minLength: 1),
                Hash = reader.RequiredString("hash", minLength: 1),
            };
            if (reader.Failed)
            {
                error = reader.Error;
                return false;
            }

            message = parsed;
            return true;
        }
    }

    public bool TryParseReply([NotNullWhen(true)] out Reply? reply, [NotNullWhen(false)] out ProtocolError? error) => Reply.TryParse(Message, out reply, out error);
}
