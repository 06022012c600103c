using System.Diagnostics.CodeAnalysis;
using Choria.Protocol.Json;

namespace Choria.Protocol.Messages;

/// <summary>Peels the v1 layers off a NATS payload (docs/protocol.md).</summary>
public static class ProtocolDecoder
{
    public static bool TryDecodeSecureRequest(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out DecodedSecureRequest? decoded, [NotNullWhen(false)] out ProtocolError? error) =>
        TryDecodeSecureRequest(payload, out decoded, out error, out _);

    public static bool TryDecodeRequest(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out DecodedRequest? decoded, [NotNullWhen(false)] out ProtocolError? error) =>
        TryDecodeRequest(payload, out decoded, out error, out _);

    /// <summary>As <see cref="TryDecodeRequest(ReadOnlySpan{byte}, out DecodedRequest?, out ProtocolError?)"/>, also saying which layer was refused.</summary>
    public static bool TryDecodeRequest(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out DecodedRequest? decoded, [NotNullWhen(false)] out ProtocolError? error, out RequestLayer failed)
    {
        decoded = null;
        if (!TryReadTransport(payload, out var headers, out var secureJson, out error, out failed))
        {
            return false;
        }

        SignedRequest? signed;
        using (secureJson)
        {
            if (!SignedRequest.TryParse(secureJson.Memory, out signed, out error))
            {
                failed = RequestLayer.SecureRequest;
                return false;
            }
        }

        if (!Request.TryParseSigned(signed, out var request, out error))
        {
            failed = RequestLayer.Request;
            return false;
        }

        decoded = new DecodedRequest(headers, signed, request);
        return true;
    }

    private static bool TryDecodeSecureRequest(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out DecodedSecureRequest? decoded, [NotNullWhen(false)] out ProtocolError? error, out RequestLayer failed)
    {
        decoded = null;
        if (!TryReadTransport(payload, out var headers, out var secureJson, out error, out failed))
        {
            return false;
        }

        using (secureJson)
        {
            if (!SecureRequest.TryParseInPlace(secureJson.Memory, out var secure, out error))
            {
                failed = RequestLayer.SecureRequest;
                return false;
            }

            decoded = new DecodedSecureRequest(headers, secure);
            return true;
        }
    }

    private static bool TryReadTransport(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out TransportHeaders? headers, out PooledBytes secureJson, [NotNullWhen(false)] out ProtocolError? error, out RequestLayer failed)
    {
        if (TransportReader.TryReadDecoded(payload, out headers, out secureJson, out error))
        {
            failed = RequestLayer.None;
            return true;
        }

        // data is only base64-decoded once the transport itself was valid.
        failed = error.Reason == ProtocolErrorReason.InvalidBase64 ? RequestLayer.SecureRequest : RequestLayer.Transport;
        return false;
    }

    public static bool TryDecodeReply(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out DecodedReply? decoded, [NotNullWhen(false)] out ProtocolError? error)
    {
        decoded = null;
        if (!TransportReader.TryReadDecoded(payload, out var headers, out var secureJson, out error))
        {
            return false;
        }

        SecureReply? secure;
        using (secureJson)
        {
            if (!SecureReply.TryParseInPlace(secureJson.Memory, out secure, out error))
            {
                return false;
            }
        }

        if (!secure.TryParseReply(out var reply, out error))
        {
            return false;
        }

        decoded = new DecodedReply(headers, secure, reply);
        return true;
    }
}
