using System.Text;

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
