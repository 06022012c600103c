using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Choria.Protocol.Json;
using Choria.Protocol.Subjects;

namespace Choria.Protocol.Lifecycle;

/// <summary>A go-lifecycle v1.1.0 event. <see cref="Version"/> is set on startup and alive only.</summary>
public sealed record LifecycleEvent
{
    public const string CloudEventSource = "io.choria.lifecycle";

    public required LifecycleEventType Type { get; init; }

    public required string Id { get; init; }

    public required string Identity { get; init; }

    public required string Component { get; init; }

    /// <summary>Unix seconds.</summary>
    public required long Timestamp { get; init; }

    public string? Version { get; init; }

    public string Protocol => $"io.choria.lifecycle.v1.{TypeName(Type)}";

    public string Subject => ChoriaSubjects.Lifecycle(TypeName(Type), Component);

    public static LifecycleEvent Create(LifecycleEventType type, string identity, string component, string? version, TimeProvider clock) => new()
    {
        Type = type,
        Id = Guid.NewGuid().ToString("D"),
        Identity = identity,
        Component = component,
        Timestamp = clock.GetUtcNow().ToUnixTimeSeconds(),
        Version = type is LifecycleEventType.Startup or LifecycleEventType.Alive ? version : null,
    };

    public static string TypeName(LifecycleEventType type) => type switch
    {
        LifecycleEventType.Startup => "startup",
        LifecycleEventType.Shutdown => "shutdown",
        LifecycleEventType.Alive => "alive",
        LifecycleEventType.Provisioned => "provisioned",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public byte[] ToChoriaJson() => JsonSerializer.SerializeToUtf8Bytes(ToJsonObject(), ProtocolJson.Context.ChoriaLifecycleEventJson);

    public byte[] ToCloudEventJson() => JsonSerializer.SerializeToUtf8Bytes(
        new CloudEventJson
        {
            Id = Id,
            Source = CloudEventSource,
            Type = Protocol,
            Subject = Identity,
            Time = DateTimeOffset.FromUnixTimeSeconds(Timestamp).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            Data = ToJsonObject(),
        },
        ProtocolJson.Context.CloudEventJson);

    /// <summary>Parses either format, detected from the document's own fields.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out ParsedLifecycleEvent? parsed, [NotNullWhen(false)] out ProtocolError? error)
    {
        parsed = null;
        if (!JsonInput.TryParseObject(utf8, "lifecycle event", out var document, out error))
        {
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (IsString(root, "protocol", out var protocol) && ParseType(protocol) is not null)
            {
                return TryRead(root, LifecycleEventFormat.Choria, out parsed, out error);
            }

            if (IsString(root, "specversion", out var spec) && spec == "1.0"
                && IsString(root, "source", out var source) && source == CloudEventSource
                && root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object)
            {
                return TryRead(data, LifecycleEventFormat.CloudEvent, out parsed, out error);
            }

            error = new ProtocolError(ProtocolErrorReason.UnknownEventFormat, "not a choria lifecycle event in choria or CloudEvents format");
            return false;
        }
    }

    /// <summary>Maps <c>io.choria.lifecycle.v1.&lt;type&gt;</c> and the older <c>choria:lifecycle:&lt;type&gt;:1</c>.</summary>
    public static LifecycleEventType? ParseType(string protocol)
    {
        const string Current = "io.choria.lifecycle.v1.";
        const string Old = "choria:lifecycle:";
        string? name = null;
        if (protocol.StartsWith(Current, StringComparison.Ordinal))
        {
            name = protocol[Current.Length..];
        }
        else if (protocol.StartsWith(Old, StringComparison.Ordinal) && protocol.EndsWith(":1", StringComparison.Ordinal) && protocol.Length > Old.Length + 2)
        {
            name = protocol[Old.Length..^2];
        }

        return name switch
        {
            "startup" => LifecycleEventType.Startup,
            "shutdown" => LifecycleEventType.Shutdown,
            "alive" => LifecycleEventType.Alive,
            "provisioned" => LifecycleEventType.Provisioned,
            _ => null,
        };
    }

    private static bool TryRead(JsonElement element, LifecycleEventFormat format, [NotNullWhen(true)] out ParsedLifecycleEvent? parsed, [NotNullWhen(false)] out ProtocolError? error)
    {
        parsed = null;
        var reader = new FieldReader(element, "lifecycle event");
        var protocol = reader.RequiredString("protocol");
        var type = reader.Failed ? null : ParseType(protocol);
        if (!reader.Failed && type is null)
        {
            reader.Fail(ProtocolErrorReason.UnknownProtocol, $"unknown lifecycle protocol '{protocol}'");
        }

        var id = reader.RequiredString("id");
        var identity = reader.RequiredString("identity");
        var component = reader.RequiredString("component");
        var timestamp = reader.RequiredInteger("timestamp");
        var version = reader.OptionalString("version");
        if (reader.Failed)
        {
            error = reader.Error;
            return false;
        }

        parsed = new ParsedLifecycleEvent(
            new LifecycleEvent { Type = type!.Value, Id = id, Identity = identity, Component = component, Timestamp = timestamp, Version = version },
            format);
        error = null;
        return true;
    }

    private static bool IsString(JsonElement obj, string name, out string value)
    {
        value = "";
        return obj.TryGetProperty(name, out var element) && JsonStrings.TryGet(element, out value);
    }

    private ChoriaLifecycleEventJson ToJsonObject() => new()
    {
        Protocol = Protocol,
        Id = Id,
        Identity = Identity,
        Component = Component,
        Timestamp = Timestamp,
        Version = Version,
    };
}

internal sealed record ChoriaLifecycleEventJson
{
    [JsonPropertyName("protocol")]
    public string Protocol { get; init; } = "";

    [JsonPropertyName("id")]
    public string Id { get; init; } = "";

    [JsonPropertyName("identity")]
    public string Identity { get; init; } = "";

    [JsonPropertyName("component")]
    public string Component { get; init; } = "";

    [JsonPropertyName("timestamp")]
    public long Timestamp { get; init; }

    [JsonPropertyName("version")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Version { get; init; }
}

internal sealed record CloudEventJson
{
    [JsonPropertyName("specversion")]
    public string SpecVersion { get; init; } = "1.0";

    [JsonPropertyName("id")]
    public string Id { get; init; } = "";

    [JsonPropertyName("source")]
    public string Source { get; init; } = "";

    [JsonPropertyName("type")]
    public string Type { get; init; } = "";

    [JsonPropertyName("subject")]
    public string Subject { get; init; } = "";

    [JsonPropertyName("time")]
    public string Time { get; init; } = "";

    [JsonPropertyName("data")]
    public ChoriaLifecycleEventJson Data { get; init; } = new();
}
