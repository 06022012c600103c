using System.Text.Json.Serialization;

namespace Choria.Protocol.Messages;

/// <summary>Envelope of a reply; exactly the keys a Ruby client accepts.</summary>
public sealed record ReplyEnvelope
{
    [JsonPropertyName("requestid")]
    public string RequestId { get; init; } = "";

    [JsonPropertyName("senderid")]
    public string SenderId { get; init; } = "";

    [JsonPropertyName("agent")]
    public string Agent { get; init; } = "";

    /// <summary>Unix seconds, UTC.</summary>
    [JsonPropertyName("time")]
    public long Time { get; init; }
}
