namespace Choria.Protocol.Filters.Compound;

internal enum CallTokenKind
{
    Statement,
    FStatement,
    And,
    Or,
    Not,
    Open,
    Close,
}

/// <summary>One element of an MCollective compound call stack.</summary>
internal readonly record struct CallToken(CallTokenKind Kind, string? Text = null, DataFunctionCall? Function = null);

/// <summary>
/// Grammar of a call stack with MCollective's (Ruby) precedence: not &gt; and &gt; or, parentheses.
/// Shared by the client parser (validation) and the server evaluator so both agree on what is
/// well formed.
/// </summary>
internal static class CallGrammar
{
    /// <summary>
    /// Evaluates <paramref name="tokens"/>; <paramref name="leaf"/> returns null for a statement
    /// that cannot be evaluated. Returns null (with <paramref name="error"/>) for malformed stacks or
    /// leaf failures. Every leaf is evaluated so a failure anywhere is reported, as Ruby evaluates
    /// every statement before combining them.
    /// </summary>
    public static bool? Evaluate(IReadOnlyList<CallToken> tokens, Func<CallToken, bool?> leaf, out string? error)
    {
        var pos = 0;
        error = null;
        if (tokens.Count == 0)
        {
            error = "empty compound statement";
            return null;
        }

        var result = ParseOr(tokens, ref pos, leaf, 0, ref error);
        if (error is null && pos != tokens.Count)
        {
            error = $"unexpected '{Describe(tokens[pos])}' at position {pos}";
        }

        return error is null ? result : null;
    }

    private const int MaxDepth = 200;

    private static bool ParseOr(IReadOnlyList<CallToken> t, ref int pos, Func<CallToken, bool?> leaf, int depth, ref string? error)
    {
        var value = ParseAnd(t, ref pos, leaf, depth, ref error);
        while (error is null && pos < t.Count && t[pos].Kind == CallTokenKind.Or)
        {
            pos++;
            var right = ParseAnd(t, ref pos, leaf, depth, ref error);
            value = value || right;
        }

        return value;
    }

    private static bool ParseAnd(IReadOnlyList<CallToken> t, ref int pos, Func<CallToken, bool?> leaf, int depth, ref string? error)
    {
        var value = ParseUnary(t, ref pos, leaf, depth, ref error);
        while (error is null && pos < t.Count && t[pos].Kind == CallTokenKind.And)
        {
            pos++;
            var right = ParseUnary(t, ref pos, leaf, depth, ref error);
            value = value && right;
        }

        return value;
    }

    private static bool ParseUnary(IReadOnlyList<CallToken> t, ref int pos, Func<CallToken, bool?> leaf, int depth, ref string? error)
    {
        if (depth > MaxDepth)
        {
            error = "compound statement nested too deeply";
            return false;
        }

        if (pos >= t.Count)
        {
            error = "unexpected end of compound statement";
            return false;
        }

        var token = t[pos++];
        switch (token.Kind)
        {
            case CallTokenKind.Not:
                return !ParseUnary(t, ref pos, leaf, depth + 1, ref error);
            case CallTokenKind.Open:
                var inner = ParseOr(t, ref pos, leaf, depth + 1, ref error);
                if (error is not null)
                {
                    return false;
                }

                if (pos >= t.Count || t[pos].Kind != CallTokenKind.Close)
                {
                    error = "unbalanced parentheses in compound statement";
                    return false;
                }

                pos++;
                return inner;
            case CallTokenKind.Statement or CallTokenKind.FStatement:
                var result = leaf(token);
                if (result is null)
                {
                    error ??= $"could not evaluate '{Describe(token)}'";
                    return false;
                }

                return result.Value;
            default:
                error = $"unexpected '{Describe(token)}' at position {pos - 1}";
                return false;
        }
    }

    internal static string Describe(CallToken token) => token.Kind switch
    {
        CallTokenKind.Statement => token.Text ?? "",
        CallTokenKind.FStatement => token.Function?.Name + "(" + token.Function?.Params + ")",
        CallTokenKind.And => "and",
        CallTokenKind.Or => "or",
        CallTokenKind.Not => "not",
        CallTokenKind.Open => "(",
        _ => ")",
    };
}
