using System.Text.Json;

namespace Choria.Client.Typed;

/// <summary>Typed reads of reply data for generated output classes: null when absent, null or of another type.</summary>
public static class OutputValues
{
    public static JsonElement? Get(JsonElement data, string name) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    public static string? Text(JsonElement data, string name) => Get(data, name) is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;

    public static long? Whole(JsonElement data, string name) => Get(data, name) is { ValueKind: JsonValueKind.Number } v && v.TryGetInt64(out var n) ? n : null;

    public static double? Number(JsonElement data, string name) => Get(data, name) is { ValueKind: JsonValueKind.Number } v ? v.GetDouble() : null;

    public static bool? Flag(JsonElement data, string name) => Get(data, name) is { ValueKind: JsonValueKind.True or JsonValueKind.False } v ? v.GetBoolean() : null;
}
