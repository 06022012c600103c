using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

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

/// <summary>A verified reply: who sent it and the agent's body bytes (not yet parsed).</summary>
public readonly record struct VerifiedReply(string Sender, byte[] Body, int BodyLength);

/// <summary>
/// Strict, allocation-light reply decoding for the client's receive loop: transport → base64 →
/// secure reply (SHA-256 check over the message text) → reply envelope (request id check). Works on
/// spans with pooled buffers instead of building the record types, because a large fleet sends
/// tens of thousands of replies per request.
/// </summary>
public static class ReplyDecoder
{
    private const int MaxBuffer = 4 * 1024 * 1024;

    /// <summary>Reads only <c>headers.mc_sender</c> (what <c>choria ping</c> counts); null when absent or unparsable.</summary>
    public static string? ReadSender(ReadOnlySpan<byte> transport)
    {
        try
        {
            var reader = new Utf8JsonReader(transport);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("headers"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        return null;
                    }

                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("mc_sender"u8))
                        {
                            reader.Read();
                            return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                        }

                        reader.Read();
                        reader.Skip();
                    }

                    return null;
                }

                reader.Read();
                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    /// <summary>
    /// Decodes and verifies one reply. <paramref name="requestId"/> is the 32 character id as UTF-8.
    /// The returned body is a pooled array owned by the caller: pass it to <see cref="Return"/> when done.
    /// </summary>
    public static ReplyRejection TryDecode(ReadOnlySpan<byte> transport, ReadOnlySpan<byte> requestId, out VerifiedReply reply)
    {
        reply = default;
        byte[]? secure = null;
        byte[]? message = null;
        byte[]? body = null;
        try
        {
            var rejection = ReadTransportData(transport, out secure, out var secureLength);
            if (rejection != ReplyRejection.None)
            {
                return rejection;
            }

            rejection = ReadSecure(secure.AsSpan(0, secureLength), out message, out var messageLength);
            if (rejection != ReplyRejection.None)
            {
                return rejection;
            }

            rejection = ReadReply(message.AsSpan(0, messageLength), requestId, out var sender, out body, out var bodyLength);
            if (rejection != ReplyRejection.None)
            {
                return rejection;
            }

            reply = new VerifiedReply(sender!, body!, bodyLength);
            body = null;
            return ReplyRejection.None;
        }
        catch (JsonException)
        {
            return ReplyRejection.NotReply;
        }
        finally
        {
            Return(secure);
            Return(message);
            Return(body);
        }
    }

    public static void Return(byte[]? buffer)
    {
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ReplyRejection ReadTransportData(ReadOnlySpan<byte> transport, out byte[] secure, out int length)
    {
        secure = null!;
        length = 0;
        var reader = new Utf8JsonReader(transport);
        var protocolOk = false;
        var found = false;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return ReplyRejection.NotTransport;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("protocol"u8))
            {
                reader.Read();
                protocolOk = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("choria:transport:1"u8);
            }
            else if (reader.ValueTextEquals("data"u8) && !found)
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String || !TryBase64(ref reader, out secure, out length))
                {
                    return ReplyRejection.InvalidBase64;
                }

                found = true;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return protocolOk && found ? ReplyRejection.None : ReplyRejection.NotTransport;
    }

    private static bool TryBase64(ref Utf8JsonReader reader, out byte[] decoded, out int length)
    {
        decoded = null!;
        length = 0;
        var encodedLength = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (encodedLength > MaxBuffer)
        {
            return false;
        }

        var text = ArrayPool<byte>.Shared.Rent(Math.Max(encodedLength, 4));
        try
        {
            var written = reader.CopyString(text);

            // Ruby wraps base64 at 60 columns; the line breaks are not data.
            var compact = 0;
            for (var i = 0; i < written; i++)
            {
                var b = text[i];
                if (b is not ((byte)'\r' or (byte)'\n'))
                {
                    text[compact++] = b;
                }
            }

            decoded = ArrayPool<byte>.Shared.Rent(Math.Max(Base64.GetMaxDecodedFromUtf8Length(compact), 4));
            if (Base64.DecodeFromUtf8(text.AsSpan(0, compact), decoded, out _, out length) != OperationStatus.Done)
            {
                ArrayPool<byte>.Shared.Return(decoded);
                decoded = null!;
                return false;
            }

            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(text);
        }
    }

    private static ReplyRejection ReadSecure(ReadOnlySpan<byte> secure, out byte[] message, out int length)
    {
        message = null!;
        length = 0;
        var reader = new Utf8JsonReader(secure);
        var protocolOk = false;
        Span<byte> hash = stackalloc byte[32];
        Span<byte> hashText = stackalloc byte[128];
        var hashOk = false;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return ReplyRejection.NotSecureReply;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("protocol"u8))
            {
                reader.Read();
                protocolOk = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("choria:secure:reply:1"u8);
            }
            else if (reader.ValueTextEquals("message"u8) && message is null)
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    return ReplyRejection.NotSecureReply;
                }

                var size = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
                message = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
                length = reader.CopyString(message);
            }
            else if (reader.ValueTextEquals("hash"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String || reader.HasValueSequence || reader.ValueSpan.Length > 128)
                {
                    return ReplyRejection.HashMismatch;
                }

                // A SHA-256 in base64 is 44 characters; an encoder may still have escaped '/' as "\/".
                var textLength = reader.CopyString(hashText);
                hashOk = Base64.DecodeFromUtf8(hashText[..textLength], hash, out _, out var hashLength) == OperationStatus.Done && hashLength == 32;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (!protocolOk || message is null)
        {
            return ReplyRejection.NotSecureReply;
        }

        Span<byte> actual = stackalloc byte[32];
        SHA256.HashData(message.AsSpan(0, length), actual);
        return hashOk && CryptographicOperations.FixedTimeEquals(actual, hash) ? ReplyRejection.None : ReplyRejection.HashMismatch;
    }

    private static ReplyRejection ReadReply(ReadOnlySpan<byte> json, ReadOnlySpan<byte> requestId, out string? sender, out byte[]? body, out int bodyLength)
    {
        sender = null;
        body = null;
        bodyLength = 0;
        var reader = new Utf8JsonReader(json);
        var protocolOk = false;
        var idOk = false;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return ReplyRejection.NotReply;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("protocol"u8))
            {
                reader.Read();
                protocolOk = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("choria:reply:1"u8);
            }
            else if (reader.ValueTextEquals("message"u8) && body is null)
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    return ReplyRejection.NotReply;
                }

                var size = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
                body = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
                bodyLength = reader.CopyString(body);
            }
            else if (reader.ValueTextEquals("envelope"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    return ReplyRejection.NotReply;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("requestid"u8))
                    {
                        reader.Read();
                        idOk = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(requestId);
                    }
                    else if (reader.ValueTextEquals("senderid"u8))
                    {
                        reader.Read();
                        sender = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (!protocolOk || body is null || string.IsNullOrEmpty(sender))
        {
            return ReplyRejection.NotReply;
        }

        return idOk ? ReplyRejection.None : ReplyRejection.WrongRequest;
    }

    /// <summary>Text of a body for display when it is not JSON.</summary>
    public static string BodyText(VerifiedReply reply) => Encoding.UTF8.GetString(reply.Body, 0, reply.BodyLength);
}
