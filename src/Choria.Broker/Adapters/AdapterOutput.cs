using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Choria.Protocol;
using Choria.Protocol.Messages;

namespace Choria.Broker.Adapters;

/// <summary>The JSON an adapter publishes per ingested message (docs/adapters.md).</summary>
internal sealed record AdapterOutput
{
    [JsonPropertyName("protocol")]
    public required string Protocol { get; init; }

    /// <summary>The request's or reply's <c>message</c> string verbatim, neither decoded nor re-encoded.</summary>
    [JsonPropertyName("data")]
    public required string Data { get; init; }

    [JsonPropertyName("sender")]
    public required string Sender { get; init; }

    /// <summary>Envelope time in UTC RFC 3339 with second resolution.</summary>
    [JsonPropertyName("time")]
    public required string Time { get; init; }

    [JsonPropertyName("requestid")]
    public required string RequestId { get; init; }

    public static string ProtocolFor(string kind) => $"choria:adapters:{kind}:output:1";

    public byte[] ToUtf8Bytes() => JsonSerializer.SerializeToUtf8Bytes(this, AdapterJson.Context.AdapterOutput);

    /// <summary>Decodes an ingested payload (no signature check, as in Go) into the output record.</summary>
    public static bool TryCreate(ReadOnlySpan<byte> payload, AdapterIngestProtocol protocol, string kind, out AdapterOutput? output, out ProtocolError? error)
    {
        output = null;
        string message, sender, requestId;
        long time;
        if (protocol == AdapterIngestProtocol.Request)
        {
            if (!ProtocolDecoder.TryDecodeRequest(payload, out var request, out error))
            {
                return false;
            }

            (message, sender, requestId, time) = (request.Request.Message, request.Request.Envelope.SenderId, request.Request.Envelope.RequestId, request.Request.Envelope.Time);
        }
        else
        {
            if (!ProtocolDecoder.TryDecodeReply(payload, out var reply, out error))
            {
                return false;
            }

            (message, sender, requestId, time) = (reply.Reply.Message, reply.Reply.Envelope.SenderId, reply.Reply.Envelope.RequestId, reply.Reply.Envelope.Time);
        }

        if (time < s_unixMin || time > s_unixMax)
        {
            error = new ProtocolError(ProtocolErrorReason.ConstraintViolation, $"envelope time {time} is out of range");
            return false;
        }

        output = new AdapterOutput
        {
            Protocol = ProtocolFor(kind),
            Data = message,
            Sender = sender,
            Time = DateTimeOffset.FromUnixTimeSeconds(time).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            RequestId = requestId,
        };
        return true;
    }

    private static readonly long s_unixMin = DateTimeOffset.MinValue.ToUnixTimeSeconds();
    private static readonly long s_unixMax = DateTimeOffset.MaxValue.ToUnixTimeSeconds();
}

[JsonSourceGenerationOptions(WriteIndented = false)]
[JsonSerializable(typeof(AdapterOutput))]
internal sealed partial class AdapterJsonContext : JsonSerializerContext;

internal static class AdapterJson
{
    // Relaxed escaping keeps registration JSON in "data" readable, as Go emits it.
    public static AdapterJsonContext Context { get; } = new(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
