using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Choria.Server.Data;

/// <summary>
/// The subset of gjson paths used for fact lookup (server.md 4.4): dotted object keys, numeric
/// array indices and <c>\.</c> for a literal dot.
/// </summary>
public static class FactPath
{
    public static bool TryLookup(JsonElement facts, string path, out JsonElement value)
    {
        value = default;
        var current = facts;
        foreach (var part in Split(path))
        {
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(part, out var next))
            {
                current = next;
            }
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < current.GetArrayLength())
            {
                current = current[i];
            }
            else
            {
                return false;
            }
        }

        value = current;
        return true;
    }

    private static List<string> Split(string path)
    {
        var parts = new List<string>();
        var sb = new StringBuilder();
        for (var i = 0; i < path.Length; i++)
        {
            if (path[i] == '\\' && i + 1 < path.Length)
            {
                sb.Append(path[++i]);
            }
            else if (path[i] == '.')
            {
                parts.Add(sb.ToString());
                sb.Clear();
            }
            else
            {
                sb.Append(path[i]);
            }
        }

        parts.Add(sb.ToString());
        return parts;
    }
}
