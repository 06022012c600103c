using System.Text;
using System.Text.Json.Serialization;
using Choria.Protocol.Json;
using System.Diagnostics.CodeAnalysis;

namespace Choria.Protocol.Messages;

/// <summary>
/// <c>choria:secure:request:1</c> (docs/protocol.md). <see cref="Message"/> is the request JSON text
/// exactly as signed; verification must use it, never a re-serialisation.
/// </summary>
public sealed record SecureRequest
{
    /// <summary>Value of <c>signature</c> and <c>pubcert</c> when protocol security is disabled.</summary>
    public const string Insecure = "insecure";

    [JsonPropertyName("protocol")]
    public string Protocol { get; init; } = Protocols.SecureRequestV1;

    [JsonPropertyName("message")]
    public string Message { get; init; } = "";

    /// <summary>Base64 RSA/SHA-256 PKCS#1 v1.5 signature over UTF-8(<see cref="Message"/>).</summary>
    [JsonPropertyName("signature")]
    public string Signature { get; init; } = "";

    /// <summary>PEM of the caller's certificate (possibly a chain, leaf first).</summary>
    [JsonPropertyName("pubcert")]
    public string PubCert { get; init; } = "";

    public static SecureRequest Create(string requestJson, string signature, string pubCert) =>
        new() { Message = requestJson, Signature = signature, PubCert = pubCert };

    public byte[] ToUtf8Bytes()
    {
        var writer = PooledJsonWriter.Rent();
        writer.WriteStartObject();
        writer.WriteString("protocol"u8, Protocol);
        writer.WriteString("message"u8, Message);
        writer.WriteString("signature"u8, Signature);
        writer.WriteString("pubcert"u8, PubCert);
        writer.WriteEndObject();
        return PooledJsonWriter.Finish(writer);
    }

    public string ToJson() => Encoding.UTF8.GetString(ToUtf8Bytes());

    public static bool TryParse(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out SecureRequest? message, [NotNullWhen(false)] out ProtocolError? error)
    {
        message = null;
        return JsonInput.TryParseObject(utf8, "secure request", out var document, out error) && TryRead(document, out message, out error);
    }

    /// <summary>Parses memory that stays unchanged during the call, without copying it first.</summary>
    internal static bool TryParseInPlace(ReadOnlyMemory<byte> utf8, [NotNullWhen(true)] out SecureRequest? message, [NotNullWhen(false)] out ProtocolError? error)
    {
        message = null;
        return JsonInput.TryParseObjectInPlace(utf8, "secure request", out var document, out error) && TryRead(document, out message, out error);
    }

    private static bool TryRead(PooledDocument document, [NotNullWhen(true)] out SecureRequest? message, [NotNullWhen(false)] out ProtocolError? error)
    {
        message = null;
        error = null;
        using (document)
        {
            var reader = new FieldReader(document.RootElement, "secure request");
            reader.Protocol(Protocols.SecureRequestV1);
            var parsed = new SecureRequest
            {
                Message = reader.RequiredString("message", minLength: 1),
                Signature = reader.RequiredString("signature", minLength: 1),
                PubCert = reader.RequiredString("pubcert", minLength: 1),
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

    /// <summary>Parses the signed <see cref="Message"/>; call only after the signature was accepted.</summary>
    public bool TryParseRequest([NotNullWhen(true)] out Request? request, [NotNullWhen(false)] out ProtocolError? error) => Request.TryParse(Message, out request, out error);
}
