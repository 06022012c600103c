using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Choria.Protocol.Filters.Expressions;

/// <summary>
/// Modern compound filter form <c>{"expr":"..."}</c> (docs/server.md). Expressions are parsed once
/// and cached (bounded) because the same filter arrives at every node for every request.
/// </summary>
public static class ExpressionFilter
{
    private const int MaxCacheEntries = 512;
    private static readonly ConcurrentDictionary<string, Compiled> s_cache = new(StringComparer.Ordinal);

    /// <summary>True/false, or null with <paramref name="error"/> for compile/run errors and non-boolean results.</summary>
    public static bool? Evaluate(string expression, NodeData node, FilterContext? ctx, out string? error)
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentNullException.ThrowIfNull(node);
        var compiled = Compile(expression);
        if (compiled.Root is null)
        {
            error = compiled.Error;
            return null;
        }

        try
        {
            var result = new ExprEvaluator(node, ctx ?? FilterContext.Default).Evaluate(compiled.Root);
            if (result is bool b)
            {
                error = null;
                return b;
            }

            error = $"expression must return a boolean, got {result?.GetType().Name ?? "nil"}";
            return null;
        }
        catch (ExprException e)
        {
            error = e.Message;
            return null;
        }
    }

    /// <summary>Parses without evaluating; for clients validating user input.</summary>
    public static bool TryCompile(string expression, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var compiled = Compile(expression);
        error = compiled.Error;
        return compiled.Root is not null;
    }

    private static Compiled Compile(string expression)
    {
        if (s_cache.TryGetValue(expression, out var cached))
        {
            return cached;
        }

        Compiled compiled;
        try
        {
            compiled = new Compiled(ExprParser.Parse(expression), null);
        }
        catch (ExprException e)
        {
            compiled = new Compiled(null, e.Message);
        }

        if (s_cache.Count >= MaxCacheEntries)
        {
            s_cache.Clear();
        }

        s_cache.TryAdd(expression, compiled);
        return compiled;
    }

    private sealed record Compiled(ExprNode? Root, string? Error);
}
