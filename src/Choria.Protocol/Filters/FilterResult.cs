namespace Choria.Protocol.Filters;

/// <summary>
/// Outcome of <see cref="FilterMatcher.Matches"/>. <see cref="Reason"/> carries a human
/// explanation for evaluation errors (bad operator, non-boolean expression, ...) so callers can
/// log the same warnings the Go server does without the matcher owning a logger.
/// </summary>
public readonly record struct FilterResult(bool Matched, FilterGroup FailedGroup, string? Reason = null)
{
    public static FilterResult Match { get; } = new(true, FilterGroup.None);

    public static FilterResult Fail(FilterGroup group, string? reason = null) => new(false, group, reason);
}
