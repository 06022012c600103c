using System.Text.Json;
using System.Text.Json.Serialization;

namespace Choria.Ddl;

public sealed record InputItem
{
    [JsonPropertyName("prompt")]
    public string Prompt { get; init; } = "";

    [JsonPropertyName("description")]
    public string Description { get; init; } = "";

    [JsonPropertyName("type")]
    public string Type { get; init; } = "";

    [JsonPropertyName("optional")]
    public bool Optional { get; init; }

    /// <summary>Default value; <c>null</c> for both an absent key and a JSON <c>null</c>.</summary>
    [JsonPropertyName("default")]
    public JsonElement? Default { get; init; }

    [JsonPropertyName("validation")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Validation { get; init; }

    [JsonPropertyName("maxlength")]
    public int MaxLength { get; init; }

    [JsonPropertyName("list")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? List { get; init; }
}
