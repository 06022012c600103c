using System.Text.Json;
using Choria.Protocol.Filters;
using Choria.Server.Agents;
using Choria.Server.Data.Plugins;

namespace Choria.Server.Runtime;

/// <summary>
/// Data plugins for compound filters. Filters are evaluated synchronously, so only plugins that answer
/// without awaiting (all built-in ones except a slow <c>fstat</c>) are usable; others count as failed calls.
/// </summary>
internal sealed class DataFunctionProvider(DataPluginRegistry plugins, IServerInfo server) : IDataFunctionProvider
{
    public bool TryQuery(string plugin, string? query, NodeData node, out JsonElement result)
    {
        result = default;
        if (!plugins.TryGet(plugin, out var p))
        {
            return false;
        }

        var pending = p.QueryAsync(query, server, CancellationToken.None);
        if (!pending.IsCompletedSuccessfully)
        {
            _ = pending.AsTask().ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
            return false;
        }

        if (pending.Result.Data is not { } data)
        {
            return false;
        }

        result = JsonSerializer.SerializeToElement(data, Json.ServerJsonContext.Default.JsonObject);
        return true;
    }
}
