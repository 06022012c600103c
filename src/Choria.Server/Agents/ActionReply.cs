using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Choria.Server.Agents;

/// <summary>Reply body <c>{statuscode, statusmsg, data}</c> of an mcorpc action.</summary>
public sealed record ActionReply
{
    public RpcStatus StatusCode { get; init; } = RpcStatus.OK;

    public string StatusMessage { get; init; } = "OK";

    public JsonObject Data { get; init; } = [];

    /// <summary>When set nothing is published (Go's <c>DisableResponse</c>).</summary>
    public bool DisableResponse { get; init; }

    public static ActionReply Ok(JsonObject? data = null) => new() { Data = data ?? [] };

    public static ActionReply Fail(RpcStatus code, string message, JsonObject? data = null) =>
        new() { StatusCode = code, StatusMessage = message, Data = data ?? [] };

    public static ActionReply NoResponse() => new() { DisableResponse = true };

    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Serialises the reply; <paramref name="action"/> non-null writes the modern leading
    /// <c>"action"</c> field, null gives the 2020 form.
    /// </summary>
    public byte[] ToJson(string? action = null)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            w.WriteStartObject();
            if (action is not null)
            {
                w.WriteString("action", action);
            }

            w.WriteNumber("statuscode", (int)StatusCode);
            w.WriteString("statusmsg", StatusMessage);
            w.WritePropertyName("data");
            Data.WriteTo(w);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
