using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Choria.Protocol.Json;

namespace Choria.Protocol.Messages;

/// <summary><c>choria:transport:1</c>, the outermost layer published on NATS (docs/protocol.md).</summary>
public sealed record TransportMessage
{
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
    /// (quotes included) exactly as received from <see cref="TransportReader.TryReadRaw"/>; lets a relay rewrite
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
    public bool TryDecodeData([NotNullWhen(true)] out byte[]? secureJsonUtf8, [NotNullWhen(false)] out ProtocolError? error)
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

    /// <summary>The record form of a transport; <see cref="TransportReader"/> has the forms the message paths use.</summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out TransportMessage? message, [NotNullWhen(false)] out ProtocolError? error) =>
        TransportReader.TryReadMessage(payload, out message, out error);
}
