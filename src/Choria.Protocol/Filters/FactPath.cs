using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Choria.Protocol.Filters;

/// <summary>
/// gjson-style path lookup over facts (docs/server.md): dot-separated keys, numeric components
/// index arrays, <c>\.</c> (any <c>\x</c>) escapes, <c>*</c>/<c>?</c> key wildcards (first match)
/// and <c>#</c> for an array's length.
/// </summary>
public static class FactPath
{
    /// <summary>Finds <paramref name="path"/> in <paramref name="root"/>; false when any component is missing.</summary>
    public static bool TryGet(JsonElement root, string path, out JsonElement value)
    {
        value = default;
        if (root.ValueKind == JsonValueKind.Undefined || path.Length == 0)
        {
            return false;
        }

        var current = root;
        foreach (var (segment, wildcard) in Split(path))
        {
            if (!Step(current, segment, wildcard, out current))
            {
                return false;
            }
        }

        value = current;
        return true;
    }

    private static bool Step(JsonElement current, string segment, bool wildcard, out JsonElement next)
    {
        next = default;
        switch (current.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in current.EnumerateObject())
                {
                    if (wildcard ? WildcardMatch(segment, property.Name) : property.NameEquals(segment))
                    {
                        next = property.Value;
                        return true;
                    }
                }

                return false;

            case JsonValueKind.Array:
                if (segment == "#" && !wildcard)
                {
                    using var doc = JsonDocument.Parse(current.GetArrayLength().ToString(CultureInfo.InvariantCulture));
                    next = doc.RootElement.Clone();
                    return true;
                }

                if (!wildcard && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < current.GetArrayLength())
                {
                    next = current[index];
                    return true;
                }

                return false;

            default:
                return false;
        }
    }

    private static List<(string Segment, bool Wildcard)> Split(string path)
    {
        var segments = new List<(string, bool)>();
        var sb = new StringBuilder();
        var wildcard = false;
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (c == '\\' && i + 1 < path.Length)
            {
                // Escaped characters are literal, including escaped wildcards; keep the escape
                // for wildcard segments so WildcardMatch can honour it.
                if (wildcard)
                {
                    sb.Append('\\');
                }

                sb.Append(path[++i]);
                continue;
            }

            if (c == '.')
            {
                segments.Add((sb.ToString(), wildcard));
                sb.Clear();
                wildcard = false;
                continue;
            }

            if (c is '*' or '?')
            {
                wildcard = true;
            }

            sb.Append(c);
        }

        segments.Add((sb.ToString(), wildcard));
        return segments;
    }

    // Iterative glob match (backtracking only to the last '*'), so hostile paths such as
    // "a*a*a*a*b" cannot blow up exponentially.
    private static bool WildcardMatch(string pattern, string name)
    {
        int p = 0, n = 0, starP = -1, starN = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starN = n;
            }
            else if (p < pattern.Length && LiteralAt(pattern, p, out var literal, out var width) && (literal is null || literal == name[n]))
            {
                p += width;
                n++;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                n = ++starN;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    // A pattern position matches one character: '?' (any, literal null), "\x" or a plain char.
    private static bool LiteralAt(string pattern, int p, out char? literal, out int width)
    {
        width = 1;
        literal = pattern[p];
        if (pattern[p] == '?')
        {
            literal = null;
        }
        else if (pattern[p] == '\\' && p + 1 < pattern.Length)
        {
            literal = pattern[p + 1];
            width = 2;
        }

        return true;
    }
}
