using System.Text.Json;

namespace Choria.Sdk;

/// <summary>One mcorpc request as an action sees it.</summary>
public sealed record ActionRequest
{
    public required string Agent { get; init; }

    public required string Action { get; init; }

    /// <summary>The inputs: always an object.</summary>
    public required JsonElement Data { get; init; }

    /// <summary>Who sent it, e.g. <c>choria=rip.mcollective</c>.</summary>
    public required string CallerId { get; init; }

    public required string SenderId { get; init; }

    public required string RequestId { get; init; }

    public required string Collective { get; init; }

    public required DateTimeOffset Time { get; init; }

    public string? GetString(string name) =>
        Data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public long? GetInteger(string name) =>
        Data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;

    public bool? GetBoolean(string name) =>
        Data.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;
}
