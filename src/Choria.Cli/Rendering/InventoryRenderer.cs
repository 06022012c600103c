using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Choria.Cli.Rendering;

/// <summary><c>choria inventory</c> output (docs/client.md).</summary>
internal static class InventoryRenderer
{
    public static void Node(TextWriter w, string identity, JsonElement inventory, JsonElement stats, bool facts)
    {
        w.WriteLine($"Inventory for {identity}");
        w.WriteLine();
        w.WriteLine("  Choria Server Statistics:");
        w.WriteLine();
        var version = Text(stats, "version") is { Length: > 0 } v ? v : Text(inventory, "version");
        if (inventory.ValueKind == JsonValueKind.Object && inventory.TryGetProperty("upgradable", out var up) && up.ValueKind == JsonValueKind.True)
        {
            version += " (upgradable during provisioning)";
        }

        var start = stats.ValueKind == JsonValueKind.Object && stats.TryGetProperty("starttime", out var st) && st.TryGetInt64(out var unix)
            ? DateTimeOffset.FromUnixTimeSeconds(unix).ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture)
            : "";
        var rows = new (string, string)[]
        {
            ("Version", version),
            ("Start Time", start),
            ("Config File", Text(stats, "configfile")),
            ("Collectives", string.Join(", ", Strings(inventory, "collectives"))),
            ("Main Collective", Text(inventory, "main_collective")),
            ("Process ID", Text(stats, "pid")),
            ("Total Messages", Text(stats, "total")),
            ("Messages Passed Filters", Text(stats, "passed")),
            ("Messages Filtered", Text(stats, "filtered")),
            ("Expired Messages", Text(stats, "ttlexpired")),
            ("Replies Sent", Text(stats, "replies")),
            ("Events Published", Text(stats, "events")),
        };
        var width = rows.Max(r => r.Item1.Length) + 4;
        foreach (var (label, value) in rows)
        {
            w.WriteLine($"{label.PadLeft(width)}: {value}");
        }

        w.WriteLine();
        w.WriteLine("  Agents:");
        w.WriteLine();
        Columns(w, Strings(inventory, "agents"), 3);
        w.WriteLine();
        w.WriteLine("  Tagged Classes:");
        w.WriteLine();
        Columns(w, Strings(inventory, "classes"), 2);
        w.WriteLine();
        if (inventory.ValueKind == JsonValueKind.Object && inventory.TryGetProperty("machines", out var machines) && machines.ValueKind == JsonValueKind.Array && machines.GetArrayLength() > 0)
        {
            w.WriteLine("  Autonomous Agents:");
            w.WriteLine();
            foreach (var m in machines.EnumerateArray())
            {
                w.WriteLine($"      {Text(m, "name"),-20} {Text(m, "version"),-10} {Text(m, "state")}");
            }

            w.WriteLine();
        }

        if (facts && inventory.ValueKind == JsonValueKind.Object && inventory.TryGetProperty("facts", out var f))
        {
            w.WriteLine("  Facts:");
            w.WriteLine();
            w.WriteLine(RpcTextRenderer.Pretty(f));
        }
    }

    /// <summary>Nodes per collective from <c>rpcutil#collective_info</c> replies, most populated first.</summary>
    public static IReadOnlyList<KeyValuePair<string, int>> CollectiveCounts(IEnumerable<JsonElement> data)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var d in data)
        {
            foreach (var c in Strings(d, "collectives").Distinct(StringComparer.Ordinal))
            {
                counts[c] = counts.GetValueOrDefault(c) + 1;
            }
        }

        return [.. counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)];
    }

    private static readonly JsonWriterOptions s_json = new() { Indented = true, IndentSize = 2, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// <c>inventory NODE --json</c>: the node's <c>rpcutil#inventory</c> and <c>rpcutil#daemon_stats</c> data as
    /// the server sent them, so scripts see the same keys as <c>req rpcutil inventory --json</c>.
    /// </summary>
    public static string NodeJson(string identity, JsonElement inventory, JsonElement stats, bool facts) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("identity", identity);
        w.WritePropertyName("inventory");
        if (inventory.ValueKind == JsonValueKind.Object)
        {
            w.WriteStartObject();
            foreach (var p in inventory.EnumerateObject().Where(p => facts || p.Name != "facts"))
            {
                p.WriteTo(w);
            }

            w.WriteEndObject();
        }
        else
        {
            w.WriteNullValue();
        }

        w.WritePropertyName("daemon_stats");
        if (stats.ValueKind == JsonValueKind.Undefined)
        {
            w.WriteNullValue();
        }
        else
        {
            stats.WriteTo(w);
        }

        w.WriteEndObject();
    });

    /// <summary><c>inventory --collectives --json</c>: collective → node count plus who did not answer.</summary>
    public static string CollectivesJson(IReadOnlyList<KeyValuePair<string, int>> counts, Client.RpcStats stats) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("nodes", stats.Ok);
        w.WriteStartObject("collectives");
        foreach (var (name, count) in counts)
        {
            w.WriteNumber(name, count);
        }

        w.WriteEndObject();
        w.WriteStartArray("no_responses");
        foreach (var n in stats.NoResponses)
        {
            w.WriteStringValue(n);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static string Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, s_json))
        {
            body(w);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    public static string CollectiveTitle(int nodes) => string.Create(CultureInfo.InvariantCulture, $"Collective Report for {nodes} nodes");

    public static Table CollectiveTable(IReadOnlyList<KeyValuePair<string, int>> counts)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("Collective").AddColumn("Nodes");
        foreach (var (name, count) in counts)
        {
            table.AddRow(Markup.Escape(name), count.ToString(CultureInfo.InvariantCulture));
        }

        return table;
    }

    private static void Columns(TextWriter w, List<string> items, int columns)
    {
        if (items.Count == 0)
        {
            w.WriteLine("      none");
            return;
        }

        var width = items.Max(i => i.Length) + 2;
        for (var i = 0; i < items.Count; i += columns)
        {
            w.WriteLine("      " + string.Concat(items.Skip(i).Take(columns).Select(s => s.PadRight(width))).TrimEnd());
        }
    }

    private static string Text(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v)
            ? v.ValueKind switch
            {
                JsonValueKind.String => v.GetString() ?? "",
                JsonValueKind.Null => "",
                _ => v.GetRawText(),
            }
            : "";

    private static List<string> Strings(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? [.. v.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).Order(StringComparer.Ordinal)]
            : [];
}
