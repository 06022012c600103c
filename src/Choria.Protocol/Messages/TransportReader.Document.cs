using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;
using Choria.Protocol.Json;

namespace Choria.Protocol.Messages;

/// <summary>
/// The full path: a bounded <see cref="JsonDocument"/> read field by field, which accepts or rejects every input with
/// a typed error. It decides whatever the fast path leaves to it and is the reference the fast path is tested against.
/// </summary>
public static partial class TransportReader
{
    internal static readonly TransportHeaders EmptyHeaders = new();

    internal static bool TryReadMessage(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out TransportMessage? message, [NotNullWhen(false)] out ProtocolError? error)
    {
        message = null;
        if (!JsonInput.TryParseObject(payload, "transport", out var document, out error))
        {
            return false;
        }

        using (document)
        {
            if (!TryRead(document.RootElement, materialiseData: true, out var data, out _, out var headers, out error))
            {
                return false;
            }

            message = new TransportMessage { Data = data, Headers = headers };
            return true;
        }
    }

    /// <summary>The full path of <see cref="TryReadRaw"/>.</summary>
    internal static bool TryReadRawDocument(ReadOnlyMemory<byte> payload, [NotNullWhen(true)] out TransportHeaders? headers, out ReadOnlyMemory<byte> rawData, [NotNullWhen(false)] out ProtocolError? error)
    {
        headers = null;
        rawData = default;
        if (!JsonInput.TryParseObjectInPlace(payload, "transport", out var document, out error))
        {
            return false;
        }

        using (document)
        {
            if (!TryRead(document.RootElement, materialiseData: false, out _, out var dataElement, out var parsed, out error))
            {
                return false;
            }

            // The document parsed payload in place, so the raw token is a slice of it.
            var raw = JsonMarshal.GetRawUtf8Value(dataElement);
            rawData = payload.Span.Overlaps(raw, out var offset) ? payload.Slice(offset, raw.Length) : raw.ToArray();
            headers = parsed;
            return true;
        }
    }

    /// <summary>The full path of <see cref="TryReadDecoded"/>.</summary>
    internal static bool TryReadDecodedDocument(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out TransportHeaders? headers, out PooledBytes secureJson, [NotNullWhen(false)] out ProtocolError? error)
    {
        headers = null;
        secureJson = default;
        if (!JsonInput.TryParseObject(payload, "transport", out var document, out error))
        {
            return false;
        }

        using (document)
        {
            if (!TryRead(document.RootElement, materialiseData: false, out _, out var dataElement, out var parsed, out error)
                || !TryDecodeData(JsonMarshal.GetRawUtf8Value(dataElement), out secureJson, out error))
            {
                return false;
            }

            headers = parsed;
            return true;
        }
    }

    /// <summary>The full path of <see cref="TryReadHeaders"/>.</summary>
    internal static bool TryReadHeadersDocument(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out TransportHeaders? headers, [NotNullWhen(false)] out ProtocolError? error)
    {
        headers = null;
        if (!JsonInput.TryParseObject(payload, "transport", out var document, out error))
        {
            return false;
        }

        using (document)
        {
            if (!TryRead(document.RootElement, materialiseData: false, out _, out _, out var parsed, out error))
            {
                return false;
            }

            headers = parsed;
            return true;
        }
    }

    private static bool TryRead(JsonElement root, bool materialiseData, out string data, out JsonElement dataElement, out TransportHeaders headers, [NotNullWhen(false)] out ProtocolError? error)
    {
        data = "";
        dataElement = default;
        headers = EmptyHeaders;
        var reader = new FieldReader(root, "transport");
        reader.Protocol(Protocols.TransportV1);
        if (reader.Failed)
        {
            error = reader.Error;
            return false;
        }

        if (materialiseData)
        {
            data = reader.RequiredString("data", minLength: 1);
            if (!reader.Failed)
            {
                dataElement = root.GetProperty("data");
            }
        }
        else if (!root.TryGetProperty("data", out dataElement))
        {
            reader.Fail(ProtocolErrorReason.MissingField, "required field 'data' is missing");
        }
        else if (dataElement.ValueKind != JsonValueKind.String || !Utf8.IsValid(JsonMarshal.GetRawUtf8Value(dataElement))
            || (JsonMarshal.GetRawUtf8Value(dataElement).IndexOf("\\u"u8) >= 0 && !JsonStrings.TryGet(dataElement, out _)))
        {
            // Valid UTF-8 can still escape a lone surrogate (\ud800) that TryParse refuses; a relay must refuse it
            // too rather than forward what no receiver decodes. Only \u escapes can do that, so only they pay for
            // the unescaping.
            reader.Fail(ProtocolErrorReason.WrongType, $"field 'data' must be a valid string, not {dataElement.ValueKind}");
        }
        else if (JsonMarshal.GetRawUtf8Value(dataElement).Length <= 2)
        {
            reader.Fail(ProtocolErrorReason.ConstraintViolation, "field 'data' must not be empty");
        }

        headers = reader.OptionalObject("headers") is { } h ? ReadHeaders(h, reader) : EmptyHeaders;
        if (reader.Failed)
        {
            error = reader.Error;
            return false;
        }

        error = null;
        return true;
    }

    private static TransportHeaders ReadHeaders(JsonElement element, FieldReader parent)
    {
        var reader = new FieldReader(element, "transport headers");
        var replyTo = reader.OptionalString("reply-to");
        var sender = reader.OptionalString("mc_sender");
        List<SeenByHop>? seenBy = null;
        if (reader.Has("seen-by") && element.GetProperty("seen-by").ValueKind != JsonValueKind.Null && reader.Array("seen-by", required: false) is { } hops)
        {
            seenBy = [];
            foreach (var hop in hops.EnumerateArray())
            {
                var parts = ReadStrings(hop);
                if (parts is null)
                {
                    reader.Fail(ProtocolErrorReason.WrongType, "each seen-by hop must be an array of strings");
                    break;
                }

                seenBy.Add(SeenByHop.FromParts(parts));
            }
        }

        FederationHeader? federation = null;
        if (reader.OptionalObject("federation") is { } fed)
        {
            var fr = new FieldReader(fed, "federation header");
            federation = new FederationHeader
            {
                RequestId = fr.OptionalString("req"),
                ReplyTo = fr.OptionalString("reply-to"),
                Targets = fr.Has("target") && fed.GetProperty("target").ValueKind != JsonValueKind.Null ? fr.StringArray("target", required: false) : null,
            };
            if (fr.Error is { } fe)
            {
                reader.Fail(fe.Reason, fe.Message);
            }
        }

        if (reader.Error is { } e)
        {
            parent.Fail(e.Reason, e.Message);
        }

        return new TransportHeaders { ReplyTo = replyTo, McSender = sender, SeenBy = seenBy, Federation = federation };
    }

    private static List<string>? ReadStrings(JsonElement array)
    {
        if (array.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var parts = new List<string>(3);
        foreach (var item in array.EnumerateArray())
        {
            if (!JsonStrings.TryGet(item, out var part))
            {
                return null;
            }

            parts.Add(part);
        }

        return parts;
    }
}
