using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Choria.Protocol.Filters;

/// <summary>
/// gjson-style path lookup over facts (server.md 4.4): dot-separated keys, numeric components
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

    private static bool WildcardMatch(string pattern, string name) => WildcardMatch(pattern, 0, name, 0);

    private static bool WildcardMatch(string pattern, int p, string name, int n)
    {
        while (p < pattern.Length)
        {
            var c = pattern[p];
            if (c == '*')
            {
                for (var k = n; k <= name.Length; k++)
                {
                    if (WildcardMatch(pattern, p + 1, name, k))
                    {
                        return true;
                    }
                }

                return false;
            }

            if (n >= name.Length)
            {
                return false;
            }

            if (c == '\\' && p + 1 < pattern.Length)
            {
                p++;
                c = pattern[p];
                if (name[n] != c)
                {
                    return false;
                }
            }
            else if (c != '?' && name[n] != c)
            {
                return false;
            }

            p++;
            n++;
        }

        return n == name.Length;
    }
}
