using System.Text;
using System.Text.Json;
using Choria.Protocol.Json;

namespace Choria.Protocol.Messages;

/// <summary>The Go server's request payload rule (docs/protocol.md).</summary>
public static class RequestPayload
{
    /// <summary>
    /// Standard base64 (padding required, CR/LF ignored) decodes to its bytes; anything else is
    /// used as is. Like Go, a raw payload that happens to be valid base64 gets decoded.
    /// </summary>
    public static byte[] Decode(string message)
    {
        var compact = message.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal);
        if (IsStrictBase64(compact))
        {
            try
            {
                return Convert.FromBase64String(compact);
            }
            catch (FormatException)
            {
                // IsStrictBase64 should make this unreachable; fall through to the raw text.
            }
        }

        return Encoding.UTF8.GetBytes(message);
    }

    private static bool IsStrictBase64(string text)
    {
        if (text.Length % 4 != 0)
        {
            return false;
        }

        var padding = text.EndsWith("==", StringComparison.Ordinal) ? 2 : text.EndsWith('=') ? 1 : 0;
        for (var i = 0; i < text.Length - padding; i++)
        {
            var c = text[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c == '+' || c == '/'))
            {
                return false;
            }
        }

        return true;
    }
}

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

/// <summary>Request validity window (docs/protocol.md).</summary>
public static class TtlWindow
{
    /// <summary>
    /// Accepts iff <c>now - ttl &lt; time &lt; now + ttl</c>, comparing at full clock resolution:
    /// <paramref name="time"/> is whole seconds but "now" is not truncated.
    /// </summary>
    public static bool IsCurrent(long time, long ttl, TimeProvider clock)
    {
        var nowTicks = (Int128)(clock.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks;
        var timeTicks = (Int128)time * TimeSpan.TicksPerSecond;
        var ttlTicks = (Int128)ttl * TimeSpan.TicksPerSecond;
        return nowTicks - ttlTicks < timeTicks && timeTicks < nowTicks + ttlTicks;
    }
}
