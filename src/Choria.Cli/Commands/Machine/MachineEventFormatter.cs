using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Choria.Cli.Commands.Machine;

/// <summary>The lines <c>machine watch</c> prints; events it cannot read or that are filtered out give null.</summary>
public static class MachineEventFormatter
{
    private const string Reset = "\u001b[0m";

    public static string? Json(ReadOnlySpan<byte> payload, MachineEventFilter filter) =>
        TryData(payload, out var doc, out var data) && Using(doc, filter.Matches(data)) ? Encoding.UTF8.GetString(payload) : null;

    public static string? Line(ReadOnlySpan<byte> payload, MachineEventFilter filter, DateTimeOffset received, bool colour)
    {
        if (!TryData(payload, out var doc, out var data))
        {
            return null;
        }

        using (doc)
        {
            if (!filter.Matches(data))
            {
                return null;
            }

            string T(string name) => MachineEventFilter.Text(data, name);
            var protocol = T("protocol");
            var time = received.ToString("HH:mm:ss", CultureInfo.InvariantCulture);
            if (protocol == "io.choria.machine.v1.transition")
            {
                var text = $"{T("identity")} {T("machine")}#{T("version")} transitioned via event {T("transition")}: {T("from_state")} => {T("to_state")}";
                return $"{time} {Paint(text, "\u001b[32m", colour)}";
            }

            var type = T("type");
            var detail = type switch
            {
                "exec" => $"command: {T("command")}, previous: {T("previous_outcome")} ran: {long.Parse(T("previous_run_time") is { Length: > 0 } ns ? ns : "0", CultureInfo.InvariantCulture) / 1e9:0.000}s",
                "file" => $"path: {T("path")}: {T("previous_outcome")}",
                "nagios" => $"{T("status")}: {T("output")}",
                "timer" => $"state: {T("state")}",
                _ => data.TryGetProperty("state", out _) ? $"state: {T("state")}" : "",
            };
            var line = $"{T("identity")} {T("machine")}#{T("name")} {type} {detail}".TrimEnd();
            return $"{time} {Paint(line, "\u001b[36m", colour)}";
        }
    }

    private static bool Using(JsonDocument doc, bool result)
    {
        doc.Dispose();
        return result;
    }

    private static string Paint(string text, string code, bool colour) => colour ? code + text + Reset : text;

    /// <summary>The CloudEvent's <c>data</c> object; the bare 2020 formats (no wrapper) are accepted too.</summary>
    private static bool TryData(ReadOnlySpan<byte> payload, out JsonDocument doc, out JsonElement data)
    {
        data = default;
        try
        {
            doc = JsonDocument.Parse(payload.ToArray());
        }
        catch (JsonException)
        {
            doc = null!;
            return false;
        }

        var root = doc.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Object)
        {
            data = d;
            return true;
        }

        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("protocol", out _))
        {
            data = root;
            return true;
        }

        doc.Dispose();
        return false;
    }
}
