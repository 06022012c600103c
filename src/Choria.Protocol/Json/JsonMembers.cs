using System.Text.Json;

namespace Choria.Protocol.Json;

/// <summary>Walks an object's members for the forward-only fast paths (ADR 0004).</summary>
internal static class JsonMembers
{
    /// <summary>A bit naming a member the caller reads; 0 for members it skips.</summary>
    public delegate int Key(ref Utf8JsonReader reader);

    /// <summary>
    /// Moves to the value of the object's next member that <paramref name="keyOf"/> names, skipping the others.
    /// Returns its key, 0 at the end of the object, or -1 when the scan must give up: an escaped name, or a member
    /// seen before (which one the full path would pick is its business).
    /// </summary>
    public static int Next(ref Utf8JsonReader reader, ref int seen, Key keyOf)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueIsEscaped)
            {
                return -1;
            }

            var key = keyOf(ref reader);
            if (key == 0)
            {
                reader.Skip();
                continue;
            }

            if ((seen & key) != 0 || !reader.Read())
            {
                return -1;
            }

            seen |= key;
            return key;
        }

        return 0;
    }
}
