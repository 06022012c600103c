using System.Text.Json.Serialization;
using Choria.Protocol.Filters;

namespace Choria.Protocol.Messages;

/// <summary>Envelope of a request; property order is the order Go emits.</summary>
public sealed record RequestEnvelope
{
    public RequestEnvelope()
        : this(new Filter())
    {
    }

    // For a filter just read: an initializer on the property would first build an empty one.
    internal RequestEnvelope(Filter filter) => Filter = filter;

    [JsonPropertyName("requestid")]
    public string RequestId { get; init; } = "";

    [JsonPropertyName("senderid")]
    public string SenderId { get; init; } = "";

    [JsonPropertyName("callerid")]
    public string CallerId { get; init; } = "";

    [JsonPropertyName("collective")]
    public string Collective { get; init; } = "";

    [JsonPropertyName("agent")]
    public string Agent { get; init; } = "";

    [JsonPropertyName("ttl")]
    public long Ttl { get; init; } = 60;

    /// <summary>Unix seconds, UTC.</summary>
    [JsonPropertyName("time")]
    public long Time { get; init; }

    [JsonPropertyName("filter")]
    public Filter Filter { get; init; }
}
