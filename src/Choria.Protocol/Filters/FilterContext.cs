using System.Text.Json;

namespace Choria.Protocol.Filters;

/// <summary>How the compound group is treated.</summary>
public enum CompoundMode
{
    /// <summary>Evaluate statement call stacks and <c>expr</c> expressions.</summary>
    Evaluate,

    /// <summary>2020 Go server behaviour: any compound filter means no match.</summary>
    Reject,
}

/// <summary>Optional inputs for filter evaluation beyond the node data.</summary>
public sealed record FilterContext
{
    public static FilterContext Default { get; } = new();

    /// <summary>Data plugins for <c>fstatement</c> and expression function calls; none means such calls fail.</summary>
    public IDataFunctionProvider? DataFunctions { get; init; }

    public CompoundMode Compound { get; init; } = CompoundMode.Evaluate;
}

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
