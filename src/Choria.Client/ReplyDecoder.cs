using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Choria.Protocol;
using Choria.Protocol.Messages;

namespace Choria.Client;

/// <summary>
/// Strict, allocation-light reply decoding for the client's receive loop: transport and base64 through the
/// protocol's <see cref="TransportReader"/> (the reader the server and broker use) → secure reply (SHA-256 check
/// over the message text) → reply envelope (request id check). Works on spans with pooled buffers instead of
/// building the record types, because a large fleet sends tens of thousands of replies per request.
/// </summary>
public static class ReplyDecoder
{
    /// <summary>
    /// The transport's <c>headers.mc_sender</c> (what <c>choria ping</c> counts); null when absent or when the
    /// transport does not parse.
    /// </summary>
    public static string? ReadSender(ReadOnlySpan<byte> transport) =>
        TransportReader.TryReadHeaders(transport, out var headers, out _) ? headers.McSender : null;

    /// <summary>
    /// Decodes and verifies one reply. <paramref name="requestId"/> is the 32 character id as UTF-8.
    /// The returned body is a pooled array owned by the caller: pass it to <see cref="Return"/> when done.
    /// </summary>
    public static ReplyRejection TryDecode(ReadOnlySpan<byte> transport, ReadOnlySpan<byte> requestId, out VerifiedReply reply)
    {
        reply = default;
        if (!TransportReader.TryReadDecoded(transport, out _, out var secure, out var error))
        {
            // data is only base64-decoded once the transport itself was valid.
            return error.Reason == ProtocolErrorReason.InvalidBase64 ? ReplyRejection.InvalidBase64 : ReplyRejection.NotTransport;
        }

        byte[]? message = null;
        byte[]? body = null;
        try
        {
            var rejection = ReadSecure(secure.Span, out message, out var messageLength);
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
            secure.Dispose();
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
                protocolOk = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(Protocols.SecureReplyV1Utf8);
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
                protocolOk = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(Protocols.ReplyV1Utf8);
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
