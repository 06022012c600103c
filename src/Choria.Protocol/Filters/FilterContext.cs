namespace Choria.Protocol.Filters;

/// <summary>Optional inputs for filter evaluation beyond the node data.</summary>
public sealed record FilterContext
{
    public static FilterContext Default { get; } = new();

    /// <summary>Data plugins for <c>fstatement</c> and expression function calls; none means such calls fail.</summary>
    public IDataFunctionProvider? DataFunctions { get; init; }

    public CompoundMode Compound { get; init; } = CompoundMode.Evaluate;
}
