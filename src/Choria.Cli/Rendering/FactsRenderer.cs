using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Choria.Client;
using Spectre.Console;

namespace Choria.Cli.Rendering;

/// <summary>One distinct fact value and the nodes reporting it.</summary>
internal sealed record FactValueGroup(string Value, IReadOnlyList<string> Nodes);

/// <summary><c>choria facts</c> output (docs/client.md).</summary>
internal static class FactsRenderer
{
    /// <summary>Groups OK replies by <c>data.value</c>: strings as is, null as <c>nil</c>, the rest JSON; most common first.</summary>
    public static IReadOnlyList<FactValueGroup> Group(IEnumerable<RpcReply> replies, bool reverse)
    {
        var groups = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var reply in replies.Where(r => r.Ok))
        {
            var value = reply.Data.ValueKind == JsonValueKind.Object && reply.Data.TryGetProperty("value", out var v) ? v : default;
            var key = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString() ?? "",
                JsonValueKind.Null or JsonValueKind.Undefined => "nil",
                _ => value.GetRawText(),
            };
            if (!groups.TryGetValue(key, out var nodes))
            {
                groups[key] = nodes = [];
            }

            nodes.Add(reply.Sender);
        }

        var ordered = groups
            .Select(g => new FactValueGroup(g.Key, [.. g.Value.Order(StringComparer.Ordinal)]))
            .OrderByDescending(g => g.Nodes.Count)
            .ThenBy(g => g.Value, StringComparer.Ordinal);
        return reverse ? [.. ordered.Reverse()] : [.. ordered];
    }

    public static void Text(TextWriter w, string fact, IReadOnlyList<FactValueGroup> groups, bool showNodes)
    {
        w.WriteLine($"Report for fact: {fact}");
        w.WriteLine();
        var width = groups.Count == 0 ? 0 : groups.Max(g => g.Value.Length);
        foreach (var group in groups)
        {
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {group.Value.PadRight(width)}  found {group.Nodes.Count} times"));
            if (showNodes)
            {
                w.WriteLine();
                foreach (var node in group.Nodes)
                {
                    w.WriteLine("      " + node);
                }

                w.WriteLine();
            }
        }

        w.WriteLine();
    }

    public static Table Table(IReadOnlyList<FactValueGroup> groups, bool showNodes)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("Fact").AddColumn("Matches");
        if (showNodes)
        {
            table.AddColumn("Nodes");
        }

        foreach (var g in groups)
        {
            var cells = new List<string> { Markup.Escape(g.Value), g.Nodes.Count.ToString(CultureInfo.InvariantCulture) };
            if (showNodes)
            {
                cells.Add(Markup.Escape(string.Join('\n', g.Nodes)));
            }

            table.AddRow([.. cells]);
        }

        return table;
    }

    /// <summary><c>-j</c>: <c>value → {"count":N,"identities":[...]}</c>.</summary>
    public static string Json(IReadOnlyList<FactValueGroup> groups)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, IndentSize = 2, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            foreach (var g in groups)
            {
                w.WriteStartObject(g.Value);
                w.WriteNumber("count", g.Nodes.Count);
                w.WriteStartArray("identities");
                foreach (var n in g.Nodes)
                {
                    w.WriteStringValue(n);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
