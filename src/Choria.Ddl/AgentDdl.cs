using System.Text.Json.Serialization;

namespace Choria.Ddl;

/// <summary>A JSON agent DDL (docs/agents.md). Aggregate and display data are kept for the client.</summary>
public sealed record AgentDdl
{
    [JsonPropertyName("$schema")]
    public string? Schema { get; init; }

    [JsonPropertyName("metadata")]
    public DdlMetadata Metadata { get; init; } = new();

    [JsonPropertyName("actions")]
    public List<ActionDdl> Actions { get; init; } = [];

    /// <summary>Where the DDL was loaded from (file path or <c>builtin:name</c>); not part of the JSON.</summary>
    [JsonIgnore]
    public string Source { get; init; } = "";

    public ActionDdl? FindAction(string name)
    {
        foreach (var a in Actions)
        {
            if (a.Action == name)
            {
                return a;
            }
        }

        return null;
    }

    public IReadOnlyList<string> ActionNames() => [.. Actions.Select(a => a.Action)];
}
