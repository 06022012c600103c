using System.Diagnostics.CodeAnalysis;
using Choria.Protocol.Filters.Compound;

namespace Choria.Protocol.Filters;

/// <summary>
/// Client-side filter construction from CLI options (<c>-I -C -A -F -W -S</c>). Entries are
/// de-duplicated as MCollective clients do, so repeating an option does not grow the request.
/// </summary>
public sealed class FilterBuilder
{
    private readonly Filter _filter = new();

    public FilterBuilder AddIdentity(string identity) => AddUnique(_filter.Identity, identity);

    public FilterBuilder AddClass(string cls) => AddUnique(_filter.CfClass, cls);

    public FilterBuilder AddAgent(string agent) => AddUnique(_filter.Agent, agent);

    public FilterBuilder AddFact(FactFilter fact)
    {
        ArgumentNullException.ThrowIfNull(fact);
        if (!_filter.Fact.Contains(fact))
        {
            _filter.Fact.Add(fact);
        }

        return this;
    }

    /// <summary>Adds a <c>-F</c> fact filter string; false (and nothing added) when it does not parse.</summary>
    public bool TryAddFact(string fact, [NotNullWhen(false)] out string? error)
    {
        if (!FactFilterParser.TryParse(fact, out var parsed, out error))
        {
            return false;
        }

        AddFact(parsed);
        return true;
    }

    /// <summary>Adds a <c>-W</c> combined filter: fact-looking words become facts, the rest classes.</summary>
    public FilterBuilder AddCombined(string combined)
    {
        var (facts, classes) = FactFilterParser.SplitCombined(combined);
        facts.ForEach(f => AddFact(f));
        classes.ForEach(c => AddClass(c));
        return this;
    }

    /// <summary>Adds a <c>-S</c> compound filter as the MCollective call stack Ruby clients send.</summary>
    public bool TryAddCompound(string compound, [NotNullWhen(false)] out string? error)
    {
        if (!CompoundParser.TryParse(compound, out var stack, out error))
        {
            return false;
        }

        _filter.Compound.Add(stack);
        return true;
    }

    /// <summary>Snapshot of the filter built so far; later additions do not affect it.</summary>
    public Filter Build() => new()
    {
        Fact = [.. _filter.Fact],
        CfClass = [.. _filter.CfClass],
        Agent = [.. _filter.Agent],
        Identity = [.. _filter.Identity],
        Compound = [.. _filter.Compound.Select(s => s.ToList())],
    };

    private FilterBuilder AddUnique(List<string> list, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!list.Contains(value, StringComparer.Ordinal))
        {
            list.Add(value);
        }

        return this;
    }
}
