using System.Text.Json.Serialization;

namespace Choria.Ddl;

public sealed record ActionDdl
{
    [JsonPropertyName("action")]
    public string Action { get; init; } = "";

    [JsonPropertyName("description")]
    public string Description { get; init; } = "";

    /// <summary><c>ok</c>, <c>failed</c> or <c>always</c>; the loader turns an empty value into <c>failed</c>.</summary>
    [JsonPropertyName("display")]
    public string Display { get; init; } = "failed";

    [JsonPropertyName("input")]
    public Dictionary<string, InputItem> Input { get; init; } = [];

    [JsonPropertyName("output")]
    public Dictionary<string, OutputItem> Output { get; init; } = [];

    [JsonPropertyName("aggregate")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<AggregateItem>? Aggregate { get; init; }
}
