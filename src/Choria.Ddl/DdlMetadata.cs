using System.Text.Json.Serialization;

namespace Choria.Ddl;

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
