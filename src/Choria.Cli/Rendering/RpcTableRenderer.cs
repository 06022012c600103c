using System.Text.Json;
using Choria.Client;
using Choria.Ddl;
using Spectre.Console;

namespace Choria.Cli.Rendering;

/// <summary><c>choria req --table</c>: successful replies, Sender plus one column per DDL output.</summary>
internal static class RpcTableRenderer
{
    public static Table Build(RpcResult result, ActionDdl? action)
    {
        var ok = result.Replies.Where(r => r.Ok).OrderBy(r => r.Sender, StringComparer.Ordinal).ToList();
        var keys = action?.Output.Keys.Order(StringComparer.Ordinal).ToList()
            ?? [.. ok.Where(r => r.Data.ValueKind == JsonValueKind.Object).SelectMany(r => r.Data.EnumerateObject().Select(p => p.Name)).Distinct().Order(StringComparer.Ordinal)];
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("Sender");
        foreach (var key in keys)
        {
            var label = action is not null && action.Output.TryGetValue(key, out var o) && o.DisplayAs.Length > 0 ? o.DisplayAs : key;
            table.AddColumn(Markup.Escape(label));
        }

        foreach (var reply in ok)
        {
            var cells = new List<string> { Markup.Escape(reply.Sender) };
            foreach (var key in keys)
            {
                cells.Add(Markup.Escape(reply.Data.ValueKind == JsonValueKind.Object && reply.Data.TryGetProperty(key, out var v) ? Cell(v) : ""));
            }

            table.AddRow([.. cells]);
        }

        return table;
    }

    private static string Cell(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString() ?? "",
        JsonValueKind.Null => "",
        _ => v.GetRawText(),
    };
}
