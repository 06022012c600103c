using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Choria.Protocol.Filters;
using Choria.Server.Agents;

namespace Choria.Server.Data.Plugins;

/// <summary><c>agent</c>: metadata of a loaded agent.</summary>
internal sealed class AgentDataPlugin : IDataPlugin
{
    public string Name => "agent";

    public ValueTask<DataPluginResult> QueryAsync(string? query, IServerInfo server, CancellationToken cancellationToken)
    {
        var meta = server.AgentMetadata().FirstOrDefault(m => m.Name == query);
        if (meta is null)
        {
            return ValueTask.FromResult(DataPluginResult.Fail($"No agent {query} loaded"));
        }

        return ValueTask.FromResult(DataPluginResult.Ok(new JsonObject
        {
            ["agent"] = meta.Name,
            ["author"] = meta.Author,
            ["description"] = meta.Description,
            ["license"] = meta.License,
            ["timeout"] = meta.Timeout,
            ["url"] = meta.Url,
            ["version"] = meta.Version,
        }));
    }
}

/// <summary><c>collective</c>: whether this node is a member of a collective.</summary>
internal sealed class CollectiveDataPlugin : IDataPlugin
{
    public string Name => "collective";

    public ValueTask<DataPluginResult> QueryAsync(string? query, IServerInfo server, CancellationToken cancellationToken) =>
        ValueTask.FromResult(DataPluginResult.Ok(new JsonObject { ["member"] = query is not null && server.Collectives.Contains(query) }));
}

/// <summary><c>fact</c>: a fact's value (gjson path) and whether it exists.</summary>
internal sealed class FactDataPlugin : IDataPlugin
{
    public string Name => "fact";

    public ValueTask<DataPluginResult> QueryAsync(string? query, IServerInfo server, CancellationToken cancellationToken)
    {
        if (query is null || !FactPath.TryGet(server.Facts(), query, out var value))
        {
            return ValueTask.FromResult(DataPluginResult.Ok(new JsonObject { ["exists"] = false, ["value"] = null, ["value_encoding"] = null }));
        }

        var isText = value.ValueKind == JsonValueKind.String;
        return ValueTask.FromResult(DataPluginResult.Ok(new JsonObject
        {
            ["exists"] = true,
            ["value"] = JsonNode.Parse(value.GetRawText()),
            ["value_encoding"] = isText ? "text/plain" : "application/json",
        }));
    }
}

/// <summary><c>fstat</c>: file information, mirroring MCollective's fstat_data outputs.</summary>
internal sealed class FstatDataPlugin : IDataPlugin
{
    public string Name => "fstat";

    public async ValueTask<DataPluginResult> QueryAsync(string? query, IServerInfo server, CancellationToken cancellationToken)
    {
        var result = new JsonObject { ["name"] = query, ["output"] = "not present", ["present"] = 0 };
        if (string.IsNullOrEmpty(query))
        {
            return DataPluginResult.Ok(result);
        }

        FileSystemInfo info = Directory.Exists(query) ? new DirectoryInfo(query) : new FileInfo(query);
        if (!info.Exists && info.LinkTarget is null)
        {
            return DataPluginResult.Ok(result);
        }

        var type = info.LinkTarget is not null ? "symlink" : info is DirectoryInfo ? "directory" : "file";
        result["output"] = "present";
        result["present"] = 1;
        result["type"] = type;
        result["size"] = info is FileInfo f ? f.Length : 0;
        result["mode"] = OperatingSystem.IsWindows() ? "" : System.Convert.ToString((int)info.UnixFileMode, 8).PadLeft(4, '0');
        AddTime(result, "mtime", info.LastWriteTimeUtc);
        AddTime(result, "ctime", info.CreationTimeUtc);
        AddTime(result, "atime", info.LastAccessTimeUtc);
        if (type == "file")
        {
            await using var stream = File.OpenRead(query);
#pragma warning disable CA5351 // MCollective's fstat reports an md5 checksum; it is not used for security.
            result["md5"] = System.Convert.ToHexStringLower(await MD5.HashDataAsync(stream, cancellationToken));
#pragma warning restore CA5351
        }

        return DataPluginResult.Ok(result);
    }

    private static void AddTime(JsonObject result, string name, DateTime utc)
    {
        var seconds = new DateTimeOffset(utc).ToUnixTimeSeconds();
        result[name] = utc.ToString("yyyy-MM-dd HH:mm:ss +0000", CultureInfo.InvariantCulture);
        result[name + "_seconds"] = seconds;
        result[name + "_age"] = TimeProvider.System.GetUtcNow().ToUnixTimeSeconds() - seconds;
    }
}
