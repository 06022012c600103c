namespace Choria.Client;

/// <summary>The result of one DDL aggregate function over the OK replies.</summary>
public sealed record AggregateSummary(string Function, string Output, string DisplayAs)
{
    /// <summary>For <c>summary</c>: value → count, highest count first.</summary>
    public IReadOnlyList<KeyValuePair<string, int>> Counts { get; init; } = [];

    /// <summary>For <c>average</c> and <c>sum</c>.</summary>
    public double? Value { get; init; }
}
