using System.Text.Json;
using System.Text.Json.Serialization;

namespace Choria.Ddl;

public sealed record OutputItem
{
    [JsonPropertyName("description")]
    public string Description { get; init; } = "";

    [JsonPropertyName("display_as")]
    public string DisplayAs { get; init; } = "";

    [JsonPropertyName("default")]
    public JsonElement? Default { get; init; }

    [JsonPropertyName("type")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Type { get; init; }
}
