namespace Choria.Protocol.Filters;

/// <summary>The filter group that decided a non-match, in 2020 evaluation order.</summary>
public enum FilterGroup
{
    None,
    Class,
    Agent,
    Identity,
    Fact,
    Compound,
}
