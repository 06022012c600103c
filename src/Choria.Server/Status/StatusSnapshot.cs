using System.Text.Json.Serialization;
using Choria.Server.Agents;

namespace Choria.Server.Status;

/// <summary>What the status file reports at one moment (docs/server.md); the runtime builds one per write.</summary>
internal sealed record StatusSnapshot
{
    public required string Identity { get; init; }

    /// <summary>Whole seconds since the server started.</summary>
    public long Uptime { get; init; }

    /// <summary><c>nats://host:port</c> or <c>unknown</c> before the first connection.</summary>
    public string ConnectedServer { get; init; } = "unknown";

    /// <summary>Unix seconds of the last validated request; 0 when none.</summary>
    public long LastMessage { get; init; }

    public bool ProvisioningMode { get; init; }

    public ServerStats Stats { get; init; } = new();
}

/// <summary>The file's JSON shape: the 2020 document plus <c>stats.events</c>, which modern readers know.</summary>
internal sealed record StatusDocument
{
    [JsonPropertyName("identity")]
    public string Identity { get; init; } = "";

    [JsonPropertyName("uptime")]
    public long Uptime { get; init; }

    [JsonPropertyName("connected_server")]
    public string ConnectedServer { get; init; } = "";

    [JsonPropertyName("last_message")]
    public long LastMessage { get; init; }

    [JsonPropertyName("provisioning_mode")]
    public bool ProvisioningMode { get; init; }

    [JsonPropertyName("stats")]
    public StatusStats Stats { get; init; } = new();

    public static StatusDocument From(StatusSnapshot s) => new()
    {
        Identity = s.Identity,
        Uptime = s.Uptime,
        ConnectedServer = s.ConnectedServer,
        LastMessage = s.LastMessage,
        ProvisioningMode = s.ProvisioningMode,
        Stats = new StatusStats
        {
            Total = s.Stats.Total,
            Valid = s.Stats.Validated,
            Invalid = s.Stats.Unvalidated,
            Passed = s.Stats.Passed,
            Filtered = s.Stats.Filtered,
            Replies = s.Stats.Replies,
            TtlExpired = s.Stats.TtlExpired,
            Events = s.Stats.Events,
        },
    };
}

internal sealed record StatusStats
{
    [JsonPropertyName("total")]
    public long Total { get; init; }

    [JsonPropertyName("valid")]
    public long Valid { get; init; }

    [JsonPropertyName("invalid")]
    public long Invalid { get; init; }

    [JsonPropertyName("passed")]
    public long Passed { get; init; }

    [JsonPropertyName("filtered")]
    public long Filtered { get; init; }

    [JsonPropertyName("replies")]
    public long Replies { get; init; }

    [JsonPropertyName("ttlexpired")]
    public long TtlExpired { get; init; }

    [JsonPropertyName("events")]
    public long Events { get; init; }
}

[JsonSerializable(typeof(StatusDocument))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;
