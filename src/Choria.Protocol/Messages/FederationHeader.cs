using System.Text.Json.Serialization;

namespace Choria.Protocol.Messages;

/// <summary><c>headers.federation</c>; the wire key of the target list is singular <c>target</c>.</summary>
public sealed record FederationHeader
{
    [JsonPropertyName("req")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RequestId { get; init; }

    [JsonPropertyName("reply-to")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ReplyTo { get; init; }

    [JsonPropertyName("target")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Targets { get; init; }
}
