using System.Text.Json;
using System.Text.Json.Serialization;
using Choria.Protocol.Messages;

namespace Choria.Server.Agents;

/// <summary>SimpleRPC request payload <c>{agent, action, data, caller?, process_results?}</c> (docs/agents.md).</summary>
internal sealed record RpcRequestBody
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

/// <summary>A parsed mcorpc request: the body's action and inputs beside the request's envelope.</summary>
public sealed record ActionRequest
{
    private static readonly RequestEnvelope s_noEnvelope = new();

    /// <summary>The agent that serves the action (its DDL name).</summary>
    public string Agent { get; init; } = "";

    public string Action { get; init; } = "";

    /// <summary>Request inputs, always an object (absent/null data becomes <c>{}</c>).</summary>
    public JsonElement Data { get; init; } = EmptyObject;

    /// <summary>The envelope of the request, as received.</summary>
    public RequestEnvelope Envelope { get; init; } = s_noEnvelope;

    public string RequestId => Envelope.RequestId;

    public string SenderId => Envelope.SenderId;

    public string CallerId => Envelope.CallerId;

    public string Collective => Envelope.Collective;

    public int Ttl => (int)Math.Min(Envelope.Ttl, int.MaxValue);

    /// <summary>Request creation time, unix seconds.</summary>
    public long Time => Envelope.Time;

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
