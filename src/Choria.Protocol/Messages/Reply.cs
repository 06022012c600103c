using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json.Serialization;
using Choria.Protocol.Json;

namespace Choria.Protocol.Messages;

/// <summary><c>choria:reply:1</c> (docs/protocol.md).</summary>
public sealed record Reply
{
    [JsonPropertyName("protocol")]
    public string Protocol { get; init; } = Protocols.ReplyV1;

    /// <summary>Agent reply body as raw text (never base64 in v1); see <see cref="ReplyPayload.Parse"/>.</summary>
    [JsonPropertyName("message")]
    public string Message { get; init; } = "";

    [JsonPropertyName("envelope")]
    public ReplyEnvelope Envelope { get; init; } = new();

    /// <summary>Builds the reply to <paramref name="request"/> from this server.</summary>
    public static Reply Create(Request request, string senderId, string message, TimeProvider clock) =>
        Create(request.Envelope.RequestId, request.Envelope.Agent, senderId, message, clock);

    public static Reply Create(string requestId, string agent, string senderId, string message, TimeProvider clock)
    {
        ArgumentException.ThrowIfNullOrEmpty(message);
        ArgumentException.ThrowIfNullOrEmpty(agent);
        return new Reply
        {
            Message = message,
            Envelope = new ReplyEnvelope
            {
                RequestId = requestId,
                SenderId = senderId,
                Agent = agent,
                Time = clock.GetUtcNow().ToUnixTimeSeconds(),
            },
        };
    }

    public byte[] ToUtf8Bytes()
    {
        var writer = PooledJsonWriter.Rent();
        writer.WriteStartObject();
        writer.WriteString("protocol"u8, Protocol);
        writer.WriteString("message"u8, Message);
        writer.WriteStartObject("envelope"u8);
        writer.WriteString("requestid"u8, Envelope.RequestId);
        writer.WriteString("senderid"u8, Envelope.SenderId);
        writer.WriteString("agent"u8, Envelope.Agent);
        writer.WriteNumber("time"u8, Envelope.Time);
        writer.WriteEndObject();
        writer.WriteEndObject();
        return PooledJsonWriter.Finish(writer);
    }

    public string ToJson() => Encoding.UTF8.GetString(ToUtf8Bytes());

    public static bool TryParse(string json, [NotNullWhen(true)] out Reply? reply, [NotNullWhen(false)] out ProtocolError? error)
    {
        reply = null;
        return JsonInput.TryParseObject(json, "reply", out var document, out error) && TryRead(document, out reply, out error);
    }

    public static bool TryParse(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out Reply? reply, [NotNullWhen(false)] out ProtocolError? error)
    {
        reply = null;
        return JsonInput.TryParseObject(utf8, "reply", out var document, out error) && TryRead(document, out reply, out error);
    }

    private static bool TryRead(PooledDocument document, [NotNullWhen(true)] out Reply? reply, [NotNullWhen(false)] out ProtocolError? error)
    {
        using (document)
        {
            reply = null;
            var reader = new FieldReader(document.RootElement, "reply");
            reader.Protocol(Protocols.ReplyV1);
            var message = reader.RequiredString("message", minLength: 1);
            ReplyEnvelope? envelope = null;
            if (reader.RequiredObject("envelope") is { } env)
            {
                var er = new FieldReader(env, "reply envelope");
                envelope = new ReplyEnvelope
                {
                    RequestId = er.RequiredString("requestid", exactLength: Request.RequestIdLength),
                    SenderId = er.RequiredString("senderid"),
                    Agent = er.RequiredString("agent", minLength: 1),
                    Time = er.RequiredInteger("time"),
                };
                if (er.Error is { } e)
                {
                    reader.Fail(e.Reason, e.Message);
                }
            }

            if (reader.Failed || envelope is null)
            {
                // A missing envelope has already failed the reader; the fallback only satisfies the contract.
                error = reader.Error ?? new ProtocolError(ProtocolErrorReason.MissingField, "reply: required field 'envelope' is missing");
                return false;
            }

            reply = new Reply { Message = message, Envelope = envelope };
            error = null;
            return true;
        }
    }
}
