using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Choria.Protocol.Json;

namespace Choria.Protocol.Messages;

/// <summary>
/// The one reader of the transport layer (<c>choria:transport:1</c>; docs/architecture.md, "Reading the wire"), for every process that takes
/// messages off NATS: the server and the protocol adapters (<see cref="TryReadDecoded"/>), the federation broker
/// (<see cref="TryReadRaw"/>), the client (<see cref="TryReadDecoded"/>, <see cref="TryReadHeaders"/>) and the
/// record form <see cref="TransportMessage.TryParse"/>.
/// Each entry point tries the fast path first (one <see cref="Utf8JsonReader"/> pass, <c>TransportReader.Scan.cs</c>)
/// and hands whatever it cannot read exactly to the full path (a validated document, <c>TransportReader.Document.cs</c>),
/// which decides and gives the typed error; docs/adr/0004-fast-path-parsers-with-full-path-fallback.md says why.
/// </summary>
public static partial class TransportReader
{
    /// <summary>
    /// Validates a transport but leaves <c>data</c> undecoded: <paramref name="rawData"/> is its JSON string token
    /// (quotes and escapes included) inside <paramref name="payload"/>, which must stay unchanged while it is used.
    /// A relay re-encodes it with <see cref="TransportMessage.ToUtf8Bytes(ReadOnlySpan{byte}, TransportHeaders)"/>.
    /// </summary>
    public static bool TryReadRaw(ReadOnlyMemory<byte> payload, [NotNullWhen(true)] out TransportHeaders? headers, out ReadOnlyMemory<byte> rawData, [NotNullWhen(false)] out ProtocolError? error)
    {
        if (TryScan(payload.Span, out headers, out var data))
        {
            rawData = payload[data];
            error = null;
            return true;
        }

        return TryReadRawDocument(payload, out headers, out rawData, out error);
    }

    /// <summary>
    /// Validates a transport and base64-decodes <c>data</c> into a pooled buffer the caller must dispose. The base64
    /// text itself is never turned into a string, which at fleet scale was the largest allocation per message.
    /// A failed decode of valid transport JSON is <see cref="ProtocolErrorReason.InvalidBase64"/>.
    /// </summary>
    public static bool TryReadDecoded(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out TransportHeaders? headers, out PooledBytes secureJson, [NotNullWhen(false)] out ProtocolError? error)
    {
        if (TryScan(payload, out headers, out var data))
        {
            if (TryDecodeData(payload[data], out secureJson, out error))
            {
                return true;
            }

            headers = null;
            return false;
        }

        return TryReadDecodedDocument(payload, out headers, out secureJson, out error);
    }

    /// <summary>Validates a transport and returns only its headers (what <c>choria ping</c> counts).</summary>
    public static bool TryReadHeaders(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out TransportHeaders? headers, [NotNullWhen(false)] out ProtocolError? error)
    {
        if (TryScan(payload, out headers, out _))
        {
            error = null;
            return true;
        }

        return TryReadHeadersDocument(payload, out headers, out error);
    }

    /// <summary>
    /// Base64-decodes the <c>data</c> token (quotes included) as both paths read it. Plain tokens are decoded straight
    /// from their UTF-8; escaped ones (Ruby's <c>\n</c> line breaks) and anything the strict decoder refuses take the
    /// string path, which skips whitespace like Go's decoder does.
    /// </summary>
    private static bool TryDecodeData(ReadOnlySpan<byte> token, out PooledBytes secureJson, [NotNullWhen(false)] out ProtocolError? error)
    {
        var base64 = token[1..^1];
        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(Base64.GetMaxDecodedFromUtf8Length(base64.Length), 1));

        // An escaped token holds a backslash, which no base64 alphabet has, so the strict decoder refuses it.
        if (Base64.DecodeFromUtf8(base64, rented, out _, out var written) == OperationStatus.Done)
        {
            secureJson = PooledBytes.Own(rented, written);
            error = null;
            return true;
        }

        // Both paths have checked the token is a valid string (no lone surrogate), so unescaping cannot throw.
        var reader = new Utf8JsonReader(token);
        reader.Read();
        var data = reader.GetString() ?? "";
        if (Convert.TryFromBase64String(data, rented, out written))
        {
            secureJson = PooledBytes.Own(rented, written);
            error = null;
            return true;
        }

        ArrayPool<byte>.Shared.Return(rented);
        secureJson = default;
        _ = new TransportMessage { Data = data }.TryDecodeData(out _, out error);
        error ??= new ProtocolError(ProtocolErrorReason.InvalidBase64, "transport data is not valid base64");
        return false;
    }
}
