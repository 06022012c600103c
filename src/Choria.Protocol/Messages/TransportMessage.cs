using System.Buffers;
using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using System.Text.Json.Serialization;
using Choria.Protocol.Json;

namespace Choria.Protocol.Messages;

/// <summary><c>choria:transport:1</c>, the outermost layer published on NATS (protocol.md 2.6).</summary>
public sealed record TransportMessage
{
    internal static readonly TransportHeaders EmptyHeaders = new();

    [JsonPropertyName("protocol")]
    public string Protocol { get; init; } = Protocols.TransportV1;

    /// <summary>Base64 of the secure message JSON, exactly as received (may contain Ruby's line breaks).</summary>
    [JsonPropertyName("data")]
    public string Data { get; init; } = "";

    [JsonPropertyName("headers")]
    public TransportHeaders Headers { get; init; } = new();

    /// <summary>Wraps the UTF-8 JSON of a secure request or reply.</summary>
    public static TransportMessage Create(ReadOnlySpan<byte> secureJsonUtf8, TransportHeaders headers) =>
        new() { Data = Convert.ToBase64String(secureJsonUtf8), Headers = headers };

    public static TransportMessage Create(string secureJson, TransportHeaders headers) =>
        Create(Encoding.UTF8.GetBytes(secureJson), headers);

    public TransportMessage WithSeenByHop(SeenByHop hop) => this with { Headers = Headers.WithSeenByHop(hop) };

    /// <summary>
    /// The wire form of <c>Create(secureJsonUtf8, headers).ToUtf8Bytes()</c>, base64-encoding straight into the
    /// output instead of through a <see cref="Data"/> string; every reply a server sends takes this path.
    /// </summary>
    public static byte[] Encode(ReadOnlySpan<byte> secureJsonUtf8, TransportHeaders headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var writer = PooledJsonWriter.Rent();
        writer.WriteStartObject();
        writer.WriteString("protocol"u8, Protocols.TransportV1);
        writer.WriteBase64String("data"u8, secureJsonUtf8);
        WriteHeaders(writer, headers);
        writer.WriteEndObject();
        return PooledJsonWriter.Finish(writer);
    }

    public byte[] ToUtf8Bytes()
    {
        // Hand-written: the serializer plus the compacting record copies cost several times more.
        var writer = PooledJsonWriter.Rent();
        writer.WriteStartObject();
        writer.WriteString("protocol"u8, Protocol);
        writer.WriteString("data"u8, Data);
        WriteHeaders(writer, Headers);
        writer.WriteEndObject();
        return PooledJsonWriter.Finish(writer);
    }

    /// <summary>
    /// Encodes a transport whose <c>data</c> is <paramref name="rawData"/>, the JSON string token
    /// (quotes included) exactly as received from <see cref="TryParseRaw"/>; lets a relay rewrite
    /// headers without decoding and re-escaping the payload.
    /// </summary>
    public static byte[] ToUtf8Bytes(ReadOnlySpan<byte> rawData, TransportHeaders headers) =>
        PooledJsonWriter.Finish(WriteRelayed(rawData, headers));

    private static Utf8JsonWriter WriteRelayed(ReadOnlySpan<byte> rawData, TransportHeaders headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var writer = PooledJsonWriter.Rent();
        writer.WriteStartObject();
        writer.WriteString("protocol"u8, Protocols.TransportV1);
        writer.WritePropertyName("data"u8);
        writer.WriteRawValue(rawData, skipInputValidation: true);
        WriteHeaders(writer, headers);
        writer.WriteEndObject();
        return writer;
    }

    /// <summary>
    /// <see cref="ToUtf8Bytes(ReadOnlySpan{byte}, TransportHeaders)"/> of <paramref name="headers"/> with
    /// <paramref name="hop"/> appended to <c>seen-by</c>, through a writer already reset to its output.
    /// </summary>
    internal static void WriteRelayed(Utf8JsonWriter writer, ReadOnlySpan<byte> rawData, TransportHeaders headers, SeenByHop hop)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(hop);
        writer.WriteStartObject();
        writer.WriteString("protocol"u8, Protocols.TransportV1);
        writer.WritePropertyName("data"u8);
        writer.WriteRawValue(rawData, skipInputValidation: true);
        WriteHeaders(writer, headers, hop);
        writer.WriteEndObject();
        writer.Flush();
    }

    private static void WriteHeaders(Utf8JsonWriter writer, TransportHeaders headers, SeenByHop? extraHop = null)
    {
        writer.WriteStartObject("headers"u8);
        if (!string.IsNullOrEmpty(headers.ReplyTo))
        {
            writer.WriteString("reply-to"u8, headers.ReplyTo);
        }

        if (!string.IsNullOrEmpty(headers.McSender))
        {
            writer.WriteString("mc_sender"u8, headers.McSender);
        }

        var seenBy = headers.SeenBy ?? [];
        if (seenBy.Count > 0 || extraHop is not null)
        {
            writer.WriteStartArray("seen-by"u8);
            for (var i = 0; i < seenBy.Count; i++)
            {
                WriteHop(writer, seenBy[i]);
            }

            if (extraHop is not null)
            {
                WriteHop(writer, extraHop);
            }

            writer.WriteEndArray();
        }

        if (headers.Federation is { } federation)
        {
            writer.WriteStartObject("federation"u8);
            if (!string.IsNullOrEmpty(federation.RequestId))
            {
                writer.WriteString("req"u8, federation.RequestId);
            }

            if (!string.IsNullOrEmpty(federation.ReplyTo))
            {
                writer.WriteString("reply-to"u8, federation.ReplyTo);
            }

            if (federation.Targets is { Count: > 0 } targets)
            {
                writer.WriteStartArray("target"u8);
                for (var i = 0; i < targets.Count; i++)
                {
                    writer.WriteStringValue(targets[i]);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteHop(Utf8JsonWriter writer, SeenByHop hop)
    {
        writer.WriteStartArray();
        writer.WriteStringValue(hop.In);
        writer.WriteStringValue(hop.Processor);
        writer.WriteStringValue(hop.Out);
        writer.WriteEndArray();
    }

    public string ToJson() => Encoding.UTF8.GetString(ToUtf8Bytes());

    /// <summary>Decodes <see cref="Data"/>; embedded CR/LF are ignored like Go's decoder does.</summary>
    public bool TryDecodeData(out byte[]? secureJsonUtf8, out ProtocolError? error)
    {
        try
        {
            secureJsonUtf8 = Convert.FromBase64String(Data);
            error = null;
            return true;
        }
        catch (FormatException e)
        {
            secureJsonUtf8 = null;
            error = new ProtocolError(ProtocolErrorReason.InvalidBase64, $"transport data is not valid base64: {e.Message}");
            return false;
        }
    }

    public static bool TryParse(ReadOnlySpan<byte> payload, out TransportMessage? message, out ProtocolError? error)
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

    /// <summary>
    /// <see cref="TryParse"/> followed by <see cref="TryDecodeData"/>, decoding <c>data</c> from its UTF-8 token
    /// straight into a pooled buffer the caller must dispose. Only the headers are returned: the base64 text
    /// itself is never turned into a string, which at fleet scale was the largest allocation per message.
    /// </summary>
    internal static bool TryParseAndDecode(ReadOnlySpan<byte> payload, out TransportHeaders? headers, out PooledBytes secureJson, out ProtocolError? error)
    {
        headers = null;
        secureJson = default;
        if (!JsonInput.TryParseObject(payload, "transport", out var document, out error))
        {
            return false;
        }

        using (document)
        {
            if (!TryRead(document.RootElement, materialiseData: false, out _, out var dataElement, out var parsed, out error))
            {
                return false;
            }

            var token = JsonMarshal.GetRawUtf8Value(dataElement);
            var base64 = token[1..^1];
            var rented = ArrayPool<byte>.Shared.Rent(Base64.GetMaxDecodedFromUtf8Length(base64.Length));

            // Escaped tokens (Ruby's \n line breaks) take the string path, which skips the breaks.
            if (base64.IndexOf((byte)'\\') < 0
                && Base64.DecodeFromUtf8(base64, rented, out _, out var written) == OperationStatus.Done)
            {
                secureJson = PooledBytes.Own(rented, written);
                headers = parsed;
                return true;
            }

            var data = dataElement.GetString() ?? "";
            if (Convert.TryFromBase64String(data, rented, out written))
            {
                secureJson = PooledBytes.Own(rented, written);
                headers = parsed;
                return true;
            }

            ArrayPool<byte>.Shared.Return(rented);
            _ = new TransportMessage { Data = data }.TryDecodeData(out _, out error);
            error ??= new ProtocolError(ProtocolErrorReason.InvalidBase64, "transport data is not valid base64");
            return false;
        }
    }

    /// <summary>
    /// Validates a transport like <see cref="TryParse"/> but leaves <c>data</c> undecoded:
    /// <paramref name="rawData"/> is its JSON string token (quotes and escapes included) inside
    /// <paramref name="payload"/>, which must stay unchanged while it is used.
    /// </summary>
    public static bool TryParseRaw(ReadOnlyMemory<byte> payload, out TransportHeaders? headers, out ReadOnlyMemory<byte> rawData, out ProtocolError? error)
    {
        if (TransportScan.TryScan(payload, out headers, out rawData))
        {
            error = null;
            return true;
        }

        return TryParseRawDocument(payload, out headers, out rawData, out error);
    }

    /// <summary>The document-based form of <see cref="TryParseRaw"/>: it decides whatever the scan leaves to it.</summary>
    internal static bool TryParseRawDocument(ReadOnlyMemory<byte> payload, out TransportHeaders? headers, out ReadOnlyMemory<byte> rawData, out ProtocolError? error)
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

    private static bool TryRead(JsonElement root, bool materialiseData, out string data, out JsonElement dataElement, out TransportHeaders headers, out ProtocolError? error)
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
        error = reader.Error;
        return !reader.Failed;
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
