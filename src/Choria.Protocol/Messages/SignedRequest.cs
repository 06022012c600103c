using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text;
using Choria.Protocol.Json;

namespace Choria.Protocol.Messages;

/// <summary>
/// The signed fields of a received <c>choria:secure:request:1</c> (docs/protocol.md) as unescaped UTF-8: the form the
/// signature check and the inner request's parser read. A server used to hold them as strings, which cost three
/// UTF-16 copies, and then turned <see cref="Message"/> back into UTF-8 twice (to verify it and to parse it).
/// </summary>
public sealed class SignedRequest
{
    // One array per request: message, then signature, then pubcert.
    private readonly byte[] _buffer;
    private readonly int _messageLength;
    private readonly int _signatureLength;
    private readonly int _pubCertLength;

    private SignedRequest(byte[] buffer, int messageLength, int signatureLength, int pubCertLength)
    {
        _buffer = buffer;
        _messageLength = messageLength;
        _signatureLength = signatureLength;
        _pubCertLength = pubCertLength;
    }

    /// <summary>The request JSON exactly as signed.</summary>
    public ReadOnlySpan<byte> Message => _buffer.AsSpan(0, _messageLength);

    /// <summary>The <c>signature</c> field's base64 text.</summary>
    public ReadOnlySpan<byte> Signature => _buffer.AsSpan(_messageLength, _signatureLength);

    /// <summary>The <c>pubcert</c> field: PEM of the caller's certificate.</summary>
    public ReadOnlySpan<byte> PubCert => _buffer.AsSpan(_messageLength + _signatureLength, _pubCertLength);

    internal ReadOnlyMemory<byte> MessageMemory => _buffer.AsMemory(0, _messageLength);

    /// <summary>The same fields as strings, for code that builds or relays a secure request.</summary>
    public SecureRequest ToSecureRequest() => SecureRequest.Create(
        Encoding.UTF8.GetString(Message), Encoding.UTF8.GetString(Signature), Encoding.UTF8.GetString(PubCert));

    /// <summary>Reads a secure request: the scan below when it can decide, otherwise the full parse and its errors.</summary>
    internal static bool TryParse(ReadOnlyMemory<byte> secureJson, [NotNullWhen(true)] out SignedRequest? signed, [NotNullWhen(false)] out ProtocolError? error)
    {
        if (TryScan(secureJson.Span, out signed))
        {
            error = null;
            return true;
        }

        if (!SecureRequest.TryParseInPlace(secureJson, out var secure, out error))
        {
            return false;
        }

        signed = From(secure);
        return true;
    }

    internal static SignedRequest From(SecureRequest secure)
    {
        var message = Encoding.UTF8.GetByteCount(secure.Message);
        var signature = Encoding.UTF8.GetByteCount(secure.Signature);
        var buffer = new byte[message + signature + Encoding.UTF8.GetByteCount(secure.PubCert)];
        Encoding.UTF8.GetBytes(secure.Message, buffer);
        Encoding.UTF8.GetBytes(secure.Signature, buffer.AsSpan(message));
        var pubCert = Encoding.UTF8.GetBytes(secure.PubCert, buffer.AsSpan(message + signature));
        return new SignedRequest(buffer, message, signature, pubCert);
    }

    /// <summary>
    /// The common shape only (ADR 0004): one object with exactly the four fields, each a non-empty string, the right
    /// protocol, nothing after it. Anything else (an extra or repeated field, another type, invalid JSON) is left to
    /// the full parse, which accepts or explains it, so this scan never accepts what that parse would refuse.
    /// </summary>
    internal static bool TryScan(ReadOnlySpan<byte> json, [NotNullWhen(true)] out SignedRequest? signed)
    {
        signed = null;
        if (json.Length > ProtocolJson.MaxPayloadBytes)
        {
            return false;
        }

        // Unescaped text is never longer than its escaped form.
        var buffer = new byte[json.Length];
        var reader = new Utf8JsonReader(json);
        int message = -1, signature = -1, pubCert = -1;
        var protocol = false;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            // Unescaped bytes land in field order, then are moved into message, signature, pubcert order.
            Span<int> offsets = stackalloc int[3];
            var written = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = reader.ValueTextEquals("message"u8) ? 0
                    : reader.ValueTextEquals("signature"u8) ? 1
                    : reader.ValueTextEquals("pubcert"u8) ? 2
                    : reader.ValueTextEquals("protocol"u8) ? 3
                    : -1;
                if (field < 0 || !reader.Read() || reader.TokenType != JsonTokenType.String)
                {
                    return false;
                }

                if (field == 3)
                {
                    if (protocol || !reader.ValueTextEquals(Protocols.SecureRequestV1))
                    {
                        return false;
                    }

                    protocol = true;
                    continue;
                }

                ref var length = ref field == 0 ? ref message : ref field == 1 ? ref signature : ref pubCert;
                if (length >= 0)
                {
                    return false;
                }

                length = reader.CopyString(buffer.AsSpan(written));
                if (length == 0)
                {
                    return false;
                }

                offsets[field] = written;
                written += length;
            }

            if (reader.TokenType != JsonTokenType.EndObject || !protocol || message < 0 || signature < 0 || pubCert < 0 || reader.Read())
            {
                return false;
            }

            signed = Arrange(buffer, offsets, message, signature, pubCert);
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Invalid JSON, or a string that is not valid UTF-8 or UTF-16 once unescaped (CopyString checks both).
            return false;
        }
    }

    private static SignedRequest Arrange(byte[] scanned, ReadOnlySpan<int> offsets, int message, int signature, int pubCert)
    {
        if (offsets[0] == 0 && offsets[1] == message && offsets[2] == message + signature)
        {
            return new SignedRequest(scanned, message, signature, pubCert);
        }

        var buffer = new byte[message + signature + pubCert];
        scanned.AsSpan(offsets[0], message).CopyTo(buffer);
        scanned.AsSpan(offsets[1], signature).CopyTo(buffer.AsSpan(message));
        scanned.AsSpan(offsets[2], pubCert).CopyTo(buffer.AsSpan(message + signature));
        return new SignedRequest(buffer, message, signature, pubCert);
    }
}
