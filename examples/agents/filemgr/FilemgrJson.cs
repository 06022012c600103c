using System.Text.Json.Serialization;

namespace Choria.Agents.Filemgr;

/// <summary>The input every action takes; the DDL has already checked that it is an absolute path.</summary>
public sealed record FileRequest
{
    public required string File { get; init; }
}

/// <summary>The reply of <c>status</c>; names and types as filemgr.json declares them.</summary>
public sealed record StatusReply
{
    public required string Name { get; init; }

    public required string Output { get; init; }

    public int Present { get; init; }

    public string Type { get; init; } = "";

    public long Size { get; init; }

    public string Mode { get; init; } = "";

    public long Uid { get; init; }

    public long Gid { get; init; }

    public string Owner { get; init; } = "";

    public string Group { get; init; } = "";

    /// <summary>Regular files only; other kinds leave it out rather than show an empty digest.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Md5 { get; init; }

    /// <summary>Symlinks only.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? LinkTarget { get; init; }

    public string Mtime { get; init; } = "";

    public string Ctime { get; init; } = "";

    public string Atime { get; init; } = "";

    public long MtimeSeconds { get; init; }

    public long CtimeSeconds { get; init; }

    public long AtimeSeconds { get; init; }
}

public sealed record TouchReply
{
    public bool Created { get; init; }

    public required string Mtime { get; init; }

    public long MtimeSeconds { get; init; }
}

public sealed record RemoveReply
{
    public bool Removed { get; init; }
}

/// <summary>The agent's own source-generated serializer: the binary is Native AOT, so no run-time reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(FileRequest))]
[JsonSerializable(typeof(StatusReply))]
[JsonSerializable(typeof(TouchReply))]
[JsonSerializable(typeof(RemoveReply))]
public sealed partial class FilemgrJson : JsonSerializerContext;
