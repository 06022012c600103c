using System.Text.Json;

namespace Choria.Protocol.Json;

/// <summary>
/// JSON may escape a lone UTF-16 surrogate (<c>"\ud800"</c>), which the document accepts but no .NET string can hold:
/// <see cref="JsonElement.GetString"/> and <see cref="JsonProperty.Name"/> throw on it. Values kept as elements past
/// the parse (compound filter statements) are checked here so that such text is refused with the message instead of
/// failing later, wherever it is first read.
/// </summary>
internal static class JsonText
{
    public static bool IsReadable(JsonElement element)
    {
        try
        {
            return Readable(element);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static bool Readable(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                _ = element.GetString();
                return true;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (!Readable(item))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    if (!Readable(property.Value))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return true;
        }
    }
}
