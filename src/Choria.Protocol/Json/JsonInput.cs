using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace Choria.Protocol.Json;

/// <summary>Bounded JSON parsing that turns every failure into a <see cref="ProtocolError"/>.</summary>
internal static class JsonInput
{
    public static bool TryParseObject(ReadOnlySpan<byte> utf8, string layer, out PooledDocument document, [NotNullWhen(false)] out ProtocolError? error)
    {
        // JsonDocument keeps the memory it parses, so a span the caller owns is copied, into a pooled buffer.
        document = default;
        if (utf8.Length > ProtocolJson.MaxPayloadBytes)
        {
            error = TooLarge(layer, utf8.Length);
            return false;
        }

        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(utf8.Length, 1));
        utf8.CopyTo(rented);
        return TryParseRented(rented, utf8.Length, layer, out document, out error);
    }

    /// <summary>Parses memory the caller keeps unchanged until the document is disposed, without copying it.</summary>
    public static bool TryParseObjectInPlace(ReadOnlyMemory<byte> utf8, string layer, out PooledDocument document, [NotNullWhen(false)] out ProtocolError? error)
    {
        document = default;
        if (utf8.Length > ProtocolJson.MaxPayloadBytes)
        {
            error = TooLarge(layer, utf8.Length);
            return false;
        }

        if (!TryParseOwned(utf8, layer, out var parsed, out error))
        {
            return false;
        }

        document = new PooledDocument(parsed, null);
        return true;
    }

    public static bool TryParseObject(string text, string layer, out PooledDocument document, [NotNullWhen(false)] out ProtocolError? error)
    {
        document = default;

        // Counting first keeps a hostile multi-megabyte string from being transcoded at all.
        int length;
        if (text.Length > ProtocolJson.MaxPayloadBytes || (length = Encoding.UTF8.GetByteCount(text)) > ProtocolJson.MaxPayloadBytes)
        {
            error = new ProtocolError(ProtocolErrorReason.PayloadTooLarge, $"{layer} is larger than the {ProtocolJson.MaxPayloadBytes} byte limit");
            return false;
        }

        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        var written = Encoding.UTF8.GetBytes(text, rented);
        return TryParseRented(rented, written, layer, out document, out error);
    }

    private static bool TryParseRented(byte[] rented, int length, string layer, out PooledDocument document, [NotNullWhen(false)] out ProtocolError? error)
    {
        if (!TryParseOwned(rented.AsMemory(0, length), layer, out var parsed, out error))
        {
            ArrayPool<byte>.Shared.Return(rented);
            document = default;
            return false;
        }

        document = new PooledDocument(parsed, rented);
        return true;
    }

    private static ProtocolError TooLarge(string layer, int length) =>
        new(ProtocolErrorReason.PayloadTooLarge, $"{layer} is {length} bytes, more than the {ProtocolJson.MaxPayloadBytes} byte limit");

    private static bool TryParseOwned(ReadOnlyMemory<byte> utf8, string layer, [NotNullWhen(true)] out JsonDocument? document, [NotNullWhen(false)] out ProtocolError? error)
    {
        document = null;

        // JsonDocument checks structure but not the bytes inside strings and names; every later GetString or
        // property name would throw on them (found by fuzzing the filter, docs/reliability.md). No Choria or
        // MCollective peer writes invalid UTF-8, so refuse it here, once, for every layer.
        if (!System.Text.Unicode.Utf8.IsValid(utf8.Span))
        {
            error = new ProtocolError(ProtocolErrorReason.InvalidJson, $"{layer} is not valid JSON: it is not valid UTF-8");
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

    /// <summary>
    /// True when every string and member name inside <paramref name="element"/> can be read as text. JSON may escape a
    /// lone UTF-16 surrogate (<c>"\ud800"</c>), which the document accepts but no .NET string can hold. Values kept as
    /// elements past the parse (compound filter statements) are checked with this so such text is refused with the
    /// message instead of throwing later, wherever it is first read.
    /// </summary>
    public static bool IsReadable(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => TryGet(element, out _),
        JsonValueKind.Array => element.EnumerateArray().All(IsReadable),
        JsonValueKind.Object => element.EnumerateObject().All(p => IsReadableName(p) && IsReadable(p.Value)),
        _ => true,
    };

    private static bool IsReadableName(JsonProperty property)
    {
        try
        {
            _ = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}

/// <summary>A parsed document and the pooled buffer it reads from; disposing returns both.</summary>
internal readonly struct PooledDocument(JsonDocument document, byte[]? rented) : IDisposable
{
    public JsonElement RootElement => document.RootElement;

    public void Dispose()
    {
        document?.Dispose();
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
