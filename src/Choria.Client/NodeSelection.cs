using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;

namespace Choria.Client;

/// <summary><c>--limit N|N%</c>, <c>--batch</c> and node list files (docs/client.md).</summary>
public static class NodeSelection
{
    /// <summary>Parses <c>N</c> or <c>N%</c>; N must be positive (and at most 100 for a percentage).</summary>
    public static bool TryParseLimit(string text, out int count, out bool percent, [NotNullWhen(false)] out string? error)
    {
        percent = text.EndsWith('%');
        var number = percent ? text[..^1] : text;
        if (!int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count <= 0 || (percent && count > 100))
        {
            error = $"invalid limit '{text}': use a positive number or a percentage such as 10%";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>
    /// Keeps the first N (or N%, rounded up so a non-empty list keeps at least one) targets. With
    /// <see cref="LimitMethod.Random"/> the nodes are shuffled by <paramref name="seed"/> BEFORE
    /// truncation, so "random" really samples the whole list (go-choria 2020 had the quirk of
    /// shuffling only the kept slice).
    /// </summary>
    public static IReadOnlyList<string> ApplyLimit(IReadOnlyList<string> nodes, int count, bool percent, LimitMethod method, int? seed)
    {
        var keep = percent ? (int)Math.Ceiling(nodes.Count * count / 100.0) : count;
        keep = Math.Min(keep, nodes.Count);
        if (method == LimitMethod.First)
        {
            return [.. nodes.Take(keep)];
        }

        var shuffled = nodes.ToArray();
        var random = seed is { } s ? new Random(s) : new Random();
        random.Shuffle(shuffled);
        return shuffled[..keep];
    }

    public static LimitMethod ParseMethod(string? value) =>
        string.Equals(value, "random", StringComparison.OrdinalIgnoreCase) ? LimitMethod.Random : LimitMethod.First;

    /// <summary>Splits targets into batches of <paramref name="size"/>; size 0 means one batch.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> Batches(IReadOnlyList<string> nodes, int size) =>
        size <= 0 || size >= nodes.Count ? [nodes] : [.. nodes.Chunk(size).Select(c => (IReadOnlyList<string>)c)];

    /// <summary>
    /// Reads a <c>--nodes</c> file: a JSON array of identities (or of objects with <c>sender</c>, as
    /// <c>req --json</c> replies), else text with one identity per line; blank lines are skipped.
    /// </summary>
    public static bool TryReadNodesFile(string path, [NotNullWhen(true)] out IReadOnlyList<string>? nodes, [NotNullWhen(false)] out string? error)
    {
        nodes = null;
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"could not read nodes file {path}: {e.Message}";
            return false;
        }

        return TryParseNodes(text, out nodes, out error);
    }

    public static bool TryParseNodes(string text, [NotNullWhen(true)] out IReadOnlyList<string>? nodes, [NotNullWhen(false)] out string? error)
    {
        nodes = null;
        error = null;
        if (text.TrimStart().StartsWith('['))
        {
            try
            {
                using var doc = JsonDocument.Parse(text);
                var list = new List<string>();
                foreach (var item in doc.RootElement.EnumerateArray())
                {
                    var name = item.ValueKind switch
                    {
                        JsonValueKind.String => item.GetString(),
                        JsonValueKind.Object when item.TryGetProperty("sender", out var s) && s.ValueKind == JsonValueKind.String => s.GetString(),
                        _ => null,
                    };
                    if (string.IsNullOrWhiteSpace(name))
                    {
                        error = "nodes JSON must be an array of identities";
                        return false;
                    }

                    list.Add(name.Trim());
                }

                nodes = Unique(list);
                return true;
            }
            catch (JsonException e)
            {
                error = $"nodes file is not valid JSON: {e.Message}";
                return false;
            }
        }

        nodes = Unique(text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));
        return true;
    }

    private static List<string> Unique(IEnumerable<string> names)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return [.. names.Where(seen.Add)];
    }
}
