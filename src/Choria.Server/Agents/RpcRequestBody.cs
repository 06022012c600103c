using System.Text.Json;
using System.Text.Json.Serialization;

namespace Choria.Server.Agents;

/// <summary>SimpleRPC request payload <c>{agent, action, data, caller?, process_results?}</c> (docs/agents.md).</summary>
public sealed record RpcRequestBody
{
    [JsonPropertyName("agent")]
    public string Agent { get; init; } = "";

    [JsonPropertyName("action")]
    public string Action { get; init; } = "";

    [JsonPropertyName("data")]
    public JsonElement? Data { get; init; }

    [JsonPropertyName("caller")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Caller { get; init; }

    [JsonPropertyName("process_results")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? ProcessResults { get; init; }
}

/// <summary>A parsed mcorpc request: body values plus the envelope values the framework adds.</summary>
public sealed record ActionRequest
{
    public string Agent { get; init; } = "";

    public string Action { get; init; } = "";

    /// <summary>Request inputs, always an object (absent/null data becomes <c>{}</c>).</summary>
    public JsonElement Data { get; init; } = EmptyObject;

    public string RequestId { get; init; } = "";

    public string SenderId { get; init; } = "";

    public string CallerId { get; init; } = "";

    public string Collective { get; init; } = "";

    public int Ttl { get; init; }

    public long Time { get; init; }

    public static JsonElement EmptyObject { get; } = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>
    /// Writes <c>agent, action, requestid, senderid, callerid, collective, ttl, msgtime</c>: the envelope both the
    /// Ruby shim request and the external agent request file start with, in the order Go writes them.
    /// </summary>
    internal void WriteEnvelopeFields(Utf8JsonWriter w)
    {
        w.WriteString("agent", Agent);
        w.WriteString("action", Action);
        w.WriteString("requestid", RequestId);
        w.WriteString("senderid", SenderId);
        w.WriteString("callerid", CallerId);
        w.WriteString("collective", Collective);
        w.WriteNumber("ttl", Ttl);
        w.WriteNumber("msgtime", Time);
    }

    /// <summary>The string value of input <paramref name="name"/>, or null when absent or not a string.</summary>
    public string? GetString(string name) =>
        Data.ValueKind == JsonValueKind.Object && Data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
