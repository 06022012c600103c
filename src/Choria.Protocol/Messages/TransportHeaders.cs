using System.Text.Json.Serialization;

namespace Choria.Protocol.Messages;

/// <summary>
/// <c>headers</c> of <c>choria:transport:1</c>. Every sub-key is omitted on the wire when empty;
/// these headers are outside the signature and purely routing data.
/// </summary>
public sealed record TransportHeaders
{
    [JsonPropertyName("reply-to")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ReplyTo { get; init; }

    [JsonPropertyName("mc_sender")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? McSender { get; init; }

    [JsonPropertyName("seen-by")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<SeenByHop>? SeenBy { get; init; }

    [JsonPropertyName("federation")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public FederationHeader? Federation { get; init; }

    /// <summary>Returns a copy with <paramref name="hop"/> appended to <c>seen-by</c>.</summary>
    public TransportHeaders WithSeenByHop(SeenByHop hop) => this with { SeenBy = [.. SeenBy ?? [], hop] };

    /// <summary>
    /// Headers for the reply to a request carrying <paramref name="request"/> headers (docs/protocol.md
    /// step 10): own identity as sender, federation data and hops carried back, no reply-to.
    /// </summary>
    public static TransportHeaders ForReply(TransportHeaders request, string identity) => new()
    {
        McSender = identity,
        SeenBy = request.SeenBy,
        Federation = request.Federation is { } f ? f with { Targets = null } : null,
    };
}
