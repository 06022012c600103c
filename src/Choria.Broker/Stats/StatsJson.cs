using System.Text.Json.Serialization;

namespace Choria.Broker.Stats;

/// <summary>The /varz fields behind the choria_network_* gauges (docs/broker.md).</summary>
internal sealed record Varz
{
    [JsonPropertyName("connections")] public long Connections { get; init; }
    [JsonPropertyName("total_connections")] public long TotalConnections { get; init; }
    [JsonPropertyName("routes")] public long Routes { get; init; }
    [JsonPropertyName("remotes")] public long Remotes { get; init; }
    [JsonPropertyName("leafnodes")] public long Leafnodes { get; init; }
    [JsonPropertyName("in_msgs")] public long InMsgs { get; init; }
    [JsonPropertyName("out_msgs")] public long OutMsgs { get; init; }
    [JsonPropertyName("in_bytes")] public long InBytes { get; init; }
    [JsonPropertyName("out_bytes")] public long OutBytes { get; init; }
    [JsonPropertyName("slow_consumers")] public long SlowConsumers { get; init; }
    [JsonPropertyName("subscriptions")] public long Subscriptions { get; init; }
}

/// <summary>The <c>/choria/</c> document (docs/broker.md).</summary>
internal sealed record ChoriaStatus(
    [property: JsonPropertyName("build")] BuildStatus Build,
    [property: JsonPropertyName("system")] SystemStatus System,
    [property: JsonPropertyName("config_file")] string ConfigFile,
    [property: JsonPropertyName("identity")] string Identity);

internal sealed record BuildStatus(
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("sha")] string Sha,
    [property: JsonPropertyName("build_date")] string BuildDate,
    [property: JsonPropertyName("license")] string License,
    [property: JsonPropertyName("tls")] bool Tls,
    [property: JsonPropertyName("secure")] bool Secure,
    [property: JsonPropertyName("go")] string Runtime,
    [property: JsonPropertyName("max_broker_clients")] int MaxBrokerClients);

internal sealed record SystemStatus(
    [property: JsonPropertyName("rss")] long Rss,
    [property: JsonPropertyName("cpu_percent")] double CpuPercent,
    [property: JsonPropertyName("cpu_cores")] int CpuCores);

[JsonSerializable(typeof(Varz))]
[JsonSerializable(typeof(ChoriaStatus))]
[JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
internal sealed partial class StatsJsonContext : JsonSerializerContext;
