using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Choria.Protocol.Json;

namespace Choria.Protocol.Messages;

/// <summary>
/// The fast path: one forward pass over a transport with <see cref="Utf8JsonReader"/>, no document, no field lookups,
/// only the header strings allocated. It never rejects. It accepts only what it can read exactly as the full path
/// would (plain property names, each member once, strings without <c>\u</c> escapes) and leaves everything else,
/// valid or not, to the full path, which then gives the same result or the same typed error.
/// </summary>
public static partial class TransportReader
{
    private static readonly JsonReaderOptions s_scanOptions = new() { MaxDepth = ProtocolJson.MaxDepth };

    /// <summary>
    /// True with the full path's result, <paramref name="data"/> being the range of the <c>data</c> token (quotes
    /// included) in <paramref name="payload"/>; false when the full path must decide.
    /// </summary>
    internal static bool TryScan(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out TransportHeaders? headers, out Range data)
    {
        headers = null;
        data = default;
        // The full path refuses any invalid UTF-8 in the transport (found by fuzzing: the scan only checked the
        // tokens it relays); validating the whole payload is a vectorised pass, far cheaper than the scan itself.
        if (payload.Length > ProtocolJson.MaxPayloadBytes || !Utf8.IsValid(payload))
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(payload, s_scanOptions);
            if (!Scan(ref reader, out var scanned, out var dataStart, out var dataLength))
            {
                return false;
            }

            headers = scanned;
            data = new Range(dataStart, dataStart + dataLength);
            return true;
        }
        catch (JsonException)
        {
            // Malformed JSON: the full path reports it with its reason (syntax, depth).
            return false;
        }
    }

    private static bool Scan(ref Utf8JsonReader reader, [NotNullWhen(true)] out TransportHeaders? headers, out int dataStart, out int dataLength)
    {
        headers = null;
        dataStart = dataLength = 0;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var seen = 0;
        int key;
        while ((key = JsonMembers.Next(ref reader, ref seen, RootKey)) > 0)
        {
            if (key == 1)
            {
                if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || !reader.ValueSpan.SequenceEqual(Protocols.TransportV1Utf8))
                {
                    return false;
                }
            }
            else if (key == 2)
            {
                // The token is relayed verbatim: it must be non-empty (TryScan checked all of the payload is valid
                // UTF-8), and a \u escape could hide a lone surrogate that receivers refuse, so those go to the full path.
                if (reader.TokenType != JsonTokenType.String || reader.ValueSpan.IsEmpty
                    || (reader.ValueIsEscaped && reader.ValueSpan.IndexOf("\\u"u8) >= 0))
                {
                    return false;
                }

                dataStart = (int)reader.TokenStartIndex;
                dataLength = reader.ValueSpan.Length + 2;
            }
            else if (reader.TokenType != JsonTokenType.Null && (reader.TokenType != JsonTokenType.StartObject || !ScanHeaders(ref reader, out headers)))
            {
                return false;
            }
        }

        // Both protocol and data are required. Nothing may follow the root object; Read throws on trailing tokens
        // and returns false on whitespace.
        if (key < 0 || (seen & 3) != 3 || reader.Read())
        {
            return false;
        }

        headers ??= EmptyHeaders;
        return true;
    }

    private static int RootKey(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("protocol"u8) ? 1 : reader.ValueTextEquals("data"u8) ? 2 : reader.ValueTextEquals("headers"u8) ? 4 : 0;

    private static int HeaderKey(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("reply-to"u8) ? 1 : reader.ValueTextEquals("mc_sender"u8) ? 2 : reader.ValueTextEquals("seen-by"u8) ? 4 : reader.ValueTextEquals("federation"u8) ? 8 : 0;

    private static int FederationKey(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("req"u8) ? 1 : reader.ValueTextEquals("reply-to"u8) ? 2 : reader.ValueTextEquals("target"u8) ? 4 : 0;

    private static bool ScanHeaders(ref Utf8JsonReader reader, [NotNullWhen(true)] out TransportHeaders? headers)
    {
        headers = null;
        string? replyTo = null, sender = null;
        List<SeenByHop>? seenBy = null;
        FederationHeader? federation = null;
        var seen = 0;
        int key;
        while ((key = JsonMembers.Next(ref reader, ref seen, HeaderKey)) > 0)
        {
            var ok = key switch
            {
                1 => TryOptionalString(ref reader, out replyTo),
                2 => TryOptionalString(ref reader, out sender),
                4 => TryHops(ref reader, out seenBy),
                _ => TryFederation(ref reader, out federation),
            };
            if (!ok)
            {
                return false;
            }
        }

        if (key < 0)
        {
            return false;
        }

        headers = new TransportHeaders { ReplyTo = replyTo, McSender = sender, SeenBy = seenBy, Federation = federation };
        return true;
    }

    private static bool TryHops(ref Utf8JsonReader reader, out List<SeenByHop>? hops)
    {
        hops = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        hops = [];
        while (reader.Read() && reader.TokenType == JsonTokenType.StartArray)
        {
            var parts = new List<string>(3);
            if (!TryStringItems(ref reader, parts))
            {
                return false;
            }

            hops.Add(SeenByHop.FromParts(parts));
        }

        return reader.TokenType == JsonTokenType.EndArray;
    }

    private static bool TryFederation(ref Utf8JsonReader reader, out FederationHeader? federation)
    {
        federation = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        string? requestId = null, replyTo = null;
        List<string>? targets = null;
        var seen = 0;
        int key;
        while ((key = JsonMembers.Next(ref reader, ref seen, FederationKey)) > 0)
        {
            var ok = key switch
            {
                1 => TryOptionalString(ref reader, out requestId),
                2 => TryOptionalString(ref reader, out replyTo),
                _ => TryTargets(ref reader, out targets),
            };
            if (!ok)
            {
                return false;
            }
        }

        if (key < 0)
        {
            return false;
        }

        federation = new FederationHeader { RequestId = requestId, ReplyTo = replyTo, Targets = targets };
        return true;
    }

    private static bool TryTargets(ref Utf8JsonReader reader, out List<string>? targets)
    {
        targets = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        targets = [];
        return TryStringItems(ref reader, targets);
    }

    // Reads the strings of the array the reader is at the start of, up to its end; any other item gives up.
    private static bool TryStringItems(ref Utf8JsonReader reader, List<string> items)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.String)
        {
            if (!TryString(ref reader, out var item))
            {
                return false;
            }

            items.Add(item);
        }

        return reader.TokenType == JsonTokenType.EndArray;
    }

    private static bool TryOptionalString(ref Utf8JsonReader reader, out string? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.String || !TryString(ref reader, out var text))
        {
            return false;
        }

        value = text;
        return true;
    }

    // Escaped strings are unescaped by the reader; only \u escapes can produce text the full path refuses (lone
    // surrogates), so those are left to the full path. Invalid UTF-8 never gets here: TryScan checked the payload.
    private static bool TryString(ref Utf8JsonReader reader, out string value)
    {
        value = "";
        var span = reader.ValueSpan;
        if (!reader.ValueIsEscaped)
        {
            value = Encoding.UTF8.GetString(span);
            return true;
        }

        if (span.IndexOf("\\u"u8) >= 0)
        {
            return false;
        }

        value = reader.GetString()!;
        return true;
    }
}
