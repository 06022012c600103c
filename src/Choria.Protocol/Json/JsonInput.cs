using System.Text;
using System.Text.Json;

namespace Choria.Protocol.Json;

/// <summary>Bounded JSON parsing that turns every failure into a <see cref="ProtocolError"/>.</summary>
internal static class JsonInput
{
    public static bool TryParseObject(ReadOnlySpan<byte> utf8, string layer, out JsonDocument? document, out ProtocolError? error)
    {
        // JsonDocument keeps the memory it parses, so a span the caller owns has to be copied.
        if (utf8.Length > ProtocolJson.MaxPayloadBytes)
        {
            document = null;
            error = TooLarge(layer, utf8.Length);
            return false;
        }

        return TryParseOwned(utf8.ToArray(), layer, out document, out error);
    }

    /// <summary>Parses memory the caller keeps unchanged until the document is disposed, without copying it.</summary>
    public static bool TryParseObjectInPlace(ReadOnlyMemory<byte> utf8, string layer, out JsonDocument? document, out ProtocolError? error)
    {
        document = null;
        if (utf8.Length > ProtocolJson.MaxPayloadBytes)
        {
            error = TooLarge(layer, utf8.Length);
            return false;
        }

        return TryParseOwned(utf8, layer, out document, out error);
    }

    private static ProtocolError TooLarge(string layer, int length) =>
        new(ProtocolErrorReason.PayloadTooLarge, $"{layer} is {length} bytes, more than the {ProtocolJson.MaxPayloadBytes} byte limit");

    private static bool TryParseOwned(ReadOnlyMemory<byte> utf8, string layer, out JsonDocument? document, out ProtocolError? error)
    {
        document = null;
        if (utf8.Length > ProtocolJson.MaxPayloadBytes)
        {
            error = TooLarge(layer, utf8.Length);
            return false;
        }

        try
        {
            document = JsonDocument.Parse(utf8, ProtocolJson.DocumentOptions);
        }
        catch (JsonException e)
        {
            error = ExceedsDepth(utf8.Span)
                ? new ProtocolError(ProtocolErrorReason.TooDeeplyNested, $"{layer} nests deeper than {ProtocolJson.MaxDepth} levels")
                : new ProtocolError(ProtocolErrorReason.InvalidJson, $"{layer} is not valid JSON: {e.Message}");
            return false;
        }
        catch (ArgumentException e)
        {
            error = new ProtocolError(ProtocolErrorReason.InvalidJson, $"{layer} is not valid JSON: {e.Message}");
            return false;
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            error = new ProtocolError(ProtocolErrorReason.NotAnObject, $"{layer} must be a JSON object, not {document.RootElement.ValueKind}");
            document.Dispose();
            document = null;
            return false;
        }

        error = null;
        return true;
    }

    public static bool TryParseObject(string text, string layer, out JsonDocument? document, out ProtocolError? error)
    {
        // Counting first keeps a hostile multi-megabyte string from being transcoded at all.
        if (text.Length > ProtocolJson.MaxPayloadBytes || Encoding.UTF8.GetByteCount(text) > ProtocolJson.MaxPayloadBytes)
        {
            document = null;
            error = new ProtocolError(ProtocolErrorReason.PayloadTooLarge, $"{layer} is larger than the {ProtocolJson.MaxPayloadBytes} byte limit");
            return false;
        }

        return TryParseOwned(Encoding.UTF8.GetBytes(text), layer, out document, out error);
    }

    // Only runs after a parse failure, to tell "too deep" apart from other syntax errors.
    private static bool ExceedsDepth(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = int.MaxValue });
        try
        {
            while (reader.Read())
            {
                if (reader.CurrentDepth >= ProtocolJson.MaxDepth)
                {
                    return true;
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return false;
    }
}

/// <summary>String access that cannot throw on hostile input.</summary>
internal static class JsonStrings
{
    /// <summary>
    /// JsonDocument does not validate the UTF-8 inside string values, so <c>GetString</c> can
    /// throw on a corrupted payload; this reports it as a failed read instead.
    /// </summary>
    public static bool TryGet(JsonElement element, out string value)
    {
        value = "";
        if (element.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        try
        {
            value = element.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
