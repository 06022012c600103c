using System.Text.Json;
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

public sealed record DdlMetadata
{
    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    [JsonPropertyName("description")]
    public string Description { get; init; } = "";

    [JsonPropertyName("author")]
    public string Author { get; init; } = "";

    [JsonPropertyName("license")]
    public string License { get; init; } = "";

    [JsonPropertyName("version")]
    public string Version { get; init; } = "";

    [JsonPropertyName("url")]
    public string Url { get; init; } = "";

    [JsonPropertyName("timeout")]
    public int Timeout { get; init; }

    [JsonPropertyName("provider")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Provider { get; init; }

    [JsonPropertyName("service")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Service { get; init; }

    /// <summary>How long past <see cref="Timeout"/> an external agent runs before the server kills it (docs/agents.md).</summary>
    public static readonly TimeSpan ExternalKillGrace = TimeSpan.FromMilliseconds(1500);

    /// <summary>
    /// How long past <see cref="Timeout"/> a server may still reply for this agent, so a client waits that much
    /// longer: an external agent's "did not finish ... and was killed" reply comes after <see cref="ExternalKillGrace"/>
    /// and the dispatcher's 1.5 s more; other agents answer (or not) within the timeout.
    /// </summary>
    [JsonIgnore]
    public TimeSpan ReplyGrace => Provider == "external" ? ExternalKillGrace + TimeSpan.FromSeconds(1.5) : TimeSpan.Zero;
}

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
