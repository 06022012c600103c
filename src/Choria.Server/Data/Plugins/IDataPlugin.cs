using Choria.Server.Agents;

namespace Choria.Server.Data.Plugins;

/// <summary>A data plugin queried by <c>rpcutil#get_data</c> (MCollective <c>*_data</c> plugins).</summary>
public interface IDataPlugin
{
    /// <summary>Plugin name without the <c>_data</c> suffix, e.g. <c>fact</c>.</summary>
    string Name { get; }

    ValueTask<DataPluginResult> QueryAsync(string? query, IServerInfo server, CancellationToken cancellationToken);
}
