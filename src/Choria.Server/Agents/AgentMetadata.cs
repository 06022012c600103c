using System.Text.Json.Serialization;

namespace Choria.Server.Agents;

/// <summary>Agent metadata as published by <c>rpcutil#agent_inventory</c> (docs/server.md).</summary>
public sealed record AgentMetadata
{
    [JsonPropertyName("license")]
    public string License { get; init; } = "";

    [JsonPropertyName("author")]
    public string Author { get; init; } = "";

    /// <summary>Seconds the dispatcher allows a request to run.</summary>
    [JsonPropertyName("timeout")]
    public int Timeout { get; init; }

    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    [JsonPropertyName("version")]
    public string Version { get; init; } = "";

    [JsonPropertyName("url")]
    public string Url { get; init; } = "";

    [JsonPropertyName("description")]
    public string Description { get; init; } = "";

    [JsonPropertyName("provider")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Provider { get; init; }

    [JsonPropertyName("service")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Service { get; init; }

    public static AgentMetadata FromDdl(Ddl.DdlMetadata m) => new()
    {
        License = m.License,
        Author = m.Author,
        Timeout = m.Timeout,
        Name = m.Name,
        Version = m.Version,
        Url = m.Url,
        Description = m.Description,
        Provider = m.Provider,
        Service = m.Service,
    };
}
