using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Choria.Client;
using Choria.Ddl;

namespace Choria.Cli.Rendering;

/// <summary>Default text output of <c>choria req</c> (docs/client.md).</summary>
internal static class RpcTextRenderer
{
    private static readonly JsonWriterOptions s_pretty = new() { Indented = true, IndentSize = 3, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Render(TextWriter w, RpcResult result, ActionDdl? action, DisplayMode mode, bool verbose, Colour colour)
    {
        foreach (var reply in result.Replies.OrderBy(r => r.Sender, StringComparer.Ordinal))
        {
            if (!mode.Shows(reply))
            {
                continue;
            }

            var status = RpcReply.StatusText(reply.StatusCode);
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{reply.Sender,-40} {(reply.Ok ? status : colour.Red(status))}"));
            if (!reply.Ok)
            {
                w.WriteLine("    " + reply.StatusMessage);
            }
            else if (verbose)
            {
                w.WriteLine(Pretty(reply.Data));
            }
            else
            {
                Body(w, reply.Data, action);
            }

            w.WriteLine();
        }

        Summaries(w, result.Summaries);
        Footer(w, result.Stats, verbose, colour);
    }

    /// <summary>One line per output key, sorted, labels right-aligned (display_as from the DDL).</summary>
    public static void Body(TextWriter w, JsonElement data, ActionDdl? action)
    {
        if (data.ValueKind != JsonValueKind.Object)
        {
            w.WriteLine("    " + Value(data, 4));
            return;
        }

        var rows = data.EnumerateObject()
            .Select(p => (Label: action is not null && action.Output.TryGetValue(p.Name, out var o) && o.DisplayAs.Length > 0 ? o.DisplayAs : p.Name, p.Name, p.Value))
            .OrderBy(r => r.Name, StringComparer.Ordinal)
            .ToList();
        if (rows.Count == 0)
        {
            return;
        }

        var width = rows.Max(r => r.Label.Length) + 4;
        foreach (var (label, _, value) in rows)
        {
            w.WriteLine(label.PadLeft(width) + ": " + Value(value, width + 2));
        }
    }

    public static void Summaries(TextWriter w, IReadOnlyList<AggregateSummary> summaries)
    {
        foreach (var summary in summaries)
        {
            w.WriteLine($"Summary of {summary.DisplayAs}:");
            w.WriteLine();
            if (summary.Function == "summary")
            {
                if (summary.Counts.Count == 0)
                {
                    w.WriteLine("   No aggregate summary could be computed");
                }
                else
                {
                    var width = summary.Counts.Max(c => c.Key.Length);
                    foreach (var (key, count) in summary.Counts)
                    {
                        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   {key.PadLeft(width)} = {count}"));
                    }
                }
            }
            else
            {
                var label = summary.Function == "average" ? "Average" : "Sum";
                w.WriteLine($"   {label}: {(summary.Value is { } v ? Aggregator.FormatNumber(v) : "n/a")}");
            }

            w.WriteLine();
        }
    }

    public static void Footer(TextWriter w, RpcStats stats, bool verbose, Colour colour)
    {
        if (verbose)
        {
            w.WriteLine("---- request stats ----");
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"               Nodes: {stats.Responded} / {stats.Discovered}"));
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"         Pass / Fail: {stats.Ok} / {stats.Failed}"));
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"        No Responses: {stats.NoResponses.Count}"));
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Unexpected Responses: {stats.UnexpectedResponses.Count}"));
            w.WriteLine($"          Start Time: {stats.StartTime.ToLocalTime():yyyy-MM-dd HH:mm:ss zzz}");
            w.WriteLine($"      Discovery Time: {TextFormat.GoDuration(stats.DiscoveryTime)}");
            w.WriteLine($"        Publish Time: {TextFormat.GoDuration(stats.PublishTime)}");
            w.WriteLine($"          Agent Time: {TextFormat.GoDuration(stats.AgentTime)}");
            w.WriteLine($"          Total Time: {TextFormat.GoDuration(stats.TotalTime)}");
        }
        else
        {
            var text = string.Create(CultureInfo.InvariantCulture, $"Finished processing {stats.Responded} / {stats.Discovered} hosts in {TextFormat.GoDuration(stats.RequestTime)}");
            w.WriteLine(stats.Responded == 0 ? colour.Red(text) : stats.NoResponses.Count == 0 ? colour.Green(text) : colour.Yellow(text));
        }

        NoResponses(w, stats, verbose);
    }

    public static void NoResponses(TextWriter w, RpcStats stats, bool verbose)
    {
        Block(w, "No Responses from", stats.NoResponses, verbose);
        Block(w, "Unexpected Responses from", stats.UnexpectedResponses, verbose);
    }

    private static void Block(TextWriter w, string title, IReadOnlyList<string> names, bool verbose)
    {
        if (names.Count == 0)
        {
            return;
        }

        w.WriteLine();
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{title}: {names.Count}"));
        w.WriteLine();
        TextFormat.Columns(w, verbose ? names : [.. names.Take(200)]);
    }

    /// <summary>Strings as is; numbers and booleans raw; arrays and objects as indented JSON aligned under the value column.</summary>
    private static string Value(JsonElement value, int indent) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() ?? "",
        JsonValueKind.Null => "nil",
        JsonValueKind.Object or JsonValueKind.Array => Pretty(value).Replace("\n", "\n" + new string(' ', indent), StringComparison.Ordinal),
        _ => value.GetRawText(),
    };

    internal static string Pretty(JsonElement value)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, s_pretty))
        {
            value.WriteTo(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
