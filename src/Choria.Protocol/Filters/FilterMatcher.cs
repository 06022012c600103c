using System.Text.Json;
using Choria.Protocol.Filters.Compound;
using Choria.Protocol.Filters.Expressions;

namespace Choria.Protocol.Filters;

/// <summary>
/// Server-side discovery: does this node answer a request with this filter? Groups are evaluated
/// in the 2020 order (classes, agents, identity, facts, compound); the first failing group decides.
/// </summary>
public static class FilterMatcher
{
    public static FilterResult Matches(Filter filter, NodeData node, FilterContext? ctx = null)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(node);
        ctx ??= FilterContext.Default;

        if (filter.CfClass is { Count: > 0 } && !NeedleMatcher.AllMatch(filter.CfClass, node.Classes))
        {
            return FilterResult.Fail(FilterGroup.Class);
        }

        if (filter.Agent is { Count: > 0 } && !NeedleMatcher.AllMatch(filter.Agent, node.Agents))
        {
            return FilterResult.Fail(FilterGroup.Agent);
        }

        if (filter.Identity is { Count: > 0 } && !NeedleMatcher.AnyMatch(filter.Identity, node.Identity))
        {
            return FilterResult.Fail(FilterGroup.Identity);
        }

        if (filter.Fact is { Count: > 0 } && !FactComparer.MatchesAll(node.Facts, filter.Fact, out var factError))
        {
            return FilterResult.Fail(FilterGroup.Fact, factError);
        }

        if (filter.Compound is { Count: > 0 })
        {
            if (ctx.Compound == CompoundMode.Reject)
            {
                return FilterResult.Fail(FilterGroup.Compound, "Compound filters are not supported");
            }

            if (!MatchesCompound(filter.Compound, node, ctx, out var compoundError))
            {
                return FilterResult.Fail(FilterGroup.Compound, compoundError);
            }
        }

        return FilterResult.Match;
    }

    /// <summary>
    /// Each inner list is either one <c>{"expr":...}</c> (modern scoring: true +1, false -1,
    /// error = failure) or an MCollective call stack (Ruby semantics: every stack must be true).
    /// Matches iff there were no failures and the total is positive (docs/server.md).
    /// </summary>
    private static bool MatchesCompound(List<List<JsonElement>> compound, NodeData node, FilterContext ctx, out string? error)
    {
        error = null;
        var total = 0;
        foreach (var stack in compound)
        {
            if (stack is null)
            {
                error = "null compound filter";
                return false;
            }

            if (TryGetExpression(stack, out var expression))
            {
                var result = ExpressionFilter.Evaluate(expression, node, ctx, out error);
                if (result is null)
                {
                    return false;
                }

                total += result.Value ? 1 : -1;
                continue;
            }

            var matched = StatementEvaluator.Evaluate(stack, node, ctx, out error);
            if (matched != true)
            {
                error ??= "compound statement did not match";
                return false;
            }

            total++;
        }

        return total > 0;
    }

    private static bool TryGetExpression(List<JsonElement> stack, out string expression)
    {
        expression = "";
        if (stack.Count != 1 || stack[0].ValueKind != JsonValueKind.Object
            || !stack[0].TryGetProperty("expr", out var expr) || expr.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        expression = expr.GetString() ?? "";
        return true;
    }
}
