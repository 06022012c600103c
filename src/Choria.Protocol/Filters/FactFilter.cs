using System.Text.Json.Serialization;

namespace Choria.Protocol.Filters;

/// <summary>One fact filter: <c>{"fact":"os.family","operator":"==","value":"RedHat"}</c>.</summary>
public sealed record FactFilter
{
    [JsonPropertyName("fact")]
    public string Fact { get; init; } = "";

    [JsonPropertyName("operator")]
    public string Operator { get; init; } = "";

    [JsonPropertyName("value")]
    public string Value { get; init; } = "";
}
