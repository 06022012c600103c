using System.Text.Json;
using System.Text.Json.Serialization;

namespace Choria.Ddl;

/// <summary>Client-side aggregation: <c>args[0]</c> is the output name, an optional options object follows.</summary>
public sealed record AggregateItem
{
    [JsonPropertyName("function")]
    public string Function { get; init; } = "";

    [JsonPropertyName("args")]
    public List<JsonElement> Args { get; init; } = [];

    [JsonIgnore]
    public string? OutputName => Args.Count > 0 && Args[0].ValueKind == JsonValueKind.String ? Args[0].GetString() : null;
}
