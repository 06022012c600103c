using System.Text.Json;

namespace Choria.Protocol.Filters;

/// <summary>
/// Looks up data plugins (MCollective <c>Data</c> / Choria data providers such as
/// <c>scout</c>, <c>machine_state</c>, <c>config_item</c>) on behalf of compound filters.
/// </summary>
public interface IDataFunctionProvider
{
    /// <summary>
    /// Runs data plugin <paramref name="plugin"/> with <paramref name="query"/> (null when called
    /// without arguments) and returns its output document. False when the plugin is unknown or fails.
    /// </summary>
    bool TryQuery(string plugin, string? query, NodeData node, out JsonElement result);
}
