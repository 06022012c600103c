using System.Text.Json;
using System.Text.Json.Serialization;

namespace Choria.Protocol.Filters;

/// <summary>
/// The <c>envelope.filter</c> object of a <c>choria:request:1</c> (docs/protocol.md). Every list is
/// always present on the wire (<c>[]</c>, never <c>null</c>); unknown keys (Ruby's
/// <c>collective</c>) are ignored on read.
/// </summary>
public sealed record Filter
{
    /// <summary>A filter that selects every node: all lists empty.</summary>
    public Filter()
        : this([], [], [], [], [])
    {
    }

    // The readers pass the lists they read; initializers on the properties would first allocate five empty lists,
    // a third of what decoding a request allocated (docs/performance.md).
    internal Filter(List<FactFilter> fact, List<string> cfClass, List<string> agent, List<string> identity, List<List<JsonElement>> compound)
    {
        Fact = fact;
        CfClass = cfClass;
        Agent = agent;
        Identity = identity;
        Compound = compound;
    }

    [JsonPropertyName("fact")]
    public List<FactFilter> Fact { get; init; }

    [JsonPropertyName("cf_class")]
    public List<string> CfClass { get; init; }

    [JsonPropertyName("agent")]
    public List<string> Agent { get; init; }

    [JsonPropertyName("identity")]
    public List<string> Identity { get; init; }

    /// <summary>
    /// Compound filters kept as raw JSON: an outer list of call stacks, each a list of single-key
    /// objects (MCollective statement form <c>{"statement":"a=b"}</c>, <c>{"and":"and"}</c>, ... or
    /// the expression form <c>{"expr":"..."}</c>).
    /// </summary>
    [JsonPropertyName("compound")]
    public List<List<JsonElement>> Compound { get; init; }

    [JsonIgnore]
    public bool IsEmpty => Fact.Count == 0 && CfClass.Count == 0 && Agent.Count == 0 && Identity.Count == 0 && Compound.Count == 0;
}
