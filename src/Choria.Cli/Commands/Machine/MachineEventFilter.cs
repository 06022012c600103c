using System.Text.Json;

namespace Choria.Cli.Commands.Machine;

/// <summary>Identity and machine selection of <c>machine watch</c>; null or empty matches anything.</summary>
public sealed record MachineEventFilter(string? Identity, string? Machine)
{
    public bool Matches(JsonElement data) =>
        (string.IsNullOrEmpty(Identity) || Text(data, "identity") == Identity)
        && (string.IsNullOrEmpty(Machine) || Text(data, "machine") == Machine);

    internal static string Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString() ?? "",
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.GetRawText(),
            _ => "",
        } : "";
}
