using System.Text.Json;
using Choria.Protocol.Json;

namespace Choria.Protocol.Messages;

/// <summary>A reply body: JSON when it parses as JSON, otherwise the raw text (Go's <c>pong</c>).</summary>
public sealed record ReplyPayload(string Raw, JsonElement? Json)
{
    public static ReplyPayload Parse(string message)
    {
        if (message.Length <= ProtocolJson.MaxPayloadBytes)
        {
            try
            {
                using var document = JsonDocument.Parse(message, ProtocolJson.DocumentOptions);
                return new ReplyPayload(message, document.RootElement.Clone());
            }
            catch (Exception e) when (e is JsonException or ArgumentException)
            {
                // Not JSON: the raw string is the body.
            }
        }

        return new ReplyPayload(message, null);
    }
}
