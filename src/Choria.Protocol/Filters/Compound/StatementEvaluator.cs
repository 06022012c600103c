using System.Globalization;
using System.Text.Json;

namespace Choria.Protocol.Filters.Compound;

/// <summary>
/// Server-side evaluation of one MCollective call stack
/// (<c>[{"statement":"role=web"},{"and":"and"},...]</c>).
/// </summary>
internal static class StatementEvaluator
{
    /// <summary>True/false, or null with <paramref name="error"/> for malformed stacks and failed plugin calls.</summary>
    public static bool? Evaluate(IReadOnlyList<JsonElement> stack, NodeData node, FilterContext ctx, out string? error)
    {
        if (!TryReadTokens(stack, out var tokens, out error))
        {
            return null;
        }

        string? leafError = null;
        var result = CallGrammar.Evaluate(tokens, token => token.Kind == CallTokenKind.Statement
            ? EvaluateStatement(token.Text!, node)
            : EvaluateFunction(token.Function!, node, ctx, ref leafError), out error);
        error = leafError ?? error;
        return result;
    }

    /// <summary>
    /// A statement is a fact filter when it parses as one, otherwise a class or agent needle
    /// (<c>with()</c> rules). Like Ruby, a leading slash always means a class regex.
    /// </summary>
    internal static bool EvaluateStatement(string statement, NodeData node)
    {
        if (!statement.StartsWith('/') && FactFilterParser.TryParse(statement, out var fact, out _))
        {
            return FactComparer.Matches(node.Facts, fact, out _);
        }

        return NeedleMatcher.MatchesAny(statement, node.Classes) || NeedleMatcher.MatchesAny(statement, node.Agents);
    }

    private static bool? EvaluateFunction(DataFunctionCall call, NodeData node, FilterContext ctx, ref string? error)
    {
        if (ctx.DataFunctions is null)
        {
            error = $"no data plugins available to evaluate {call.Name}()";
            return null;
        }

        if (!ctx.DataFunctions.TryQuery(call.Name, call.Params, node, out var result))
        {
            error = $"data plugin {call.Name} failed for query '{call.Params}'";
            return null;
        }

        var left = result;
        if (call.Value is not null)
        {
            if (result.ValueKind != JsonValueKind.Object || !result.TryGetProperty(call.Value, out left))
            {
                return false;
            }
        }

        return CompareFunctionResult(left, call.Operator, call.RCompare);
    }

    // Mirrors Ruby Matcher.eval_compound_fstatement: ordering only on numbers, regex only on strings.
    private static bool CompareFunctionResult(JsonElement left, string? op, string? right)
    {
        if (op is null)
        {
            return left.ValueKind == JsonValueKind.True;
        }

        right ??= "";
        switch (left.ValueKind)
        {
            case JsonValueKind.Number:
                if (!double.TryParse(right, NumberStyles.Float, CultureInfo.InvariantCulture, out var r))
                {
                    return false;
                }

                var l = left.GetDouble();
                return op switch
                {
                    "==" => l == r,
                    "!=" => l != r,
                    "<" => l < r,
                    ">" => l > r,
                    "<=" => l <= r,
                    ">=" => l >= r,
                    _ => false,
                };
            case JsonValueKind.True or JsonValueKind.False:
                var b = left.ValueKind == JsonValueKind.True;
                return op switch
                {
                    "==" => string.Equals(right, b ? "true" : "false", StringComparison.Ordinal),
                    "!=" => !string.Equals(right, b ? "true" : "false", StringComparison.Ordinal),
                    _ => false,
                };
            case JsonValueKind.String:
                var s = left.GetString() ?? "";
                return op switch
                {
                    "==" => string.Equals(s, right, StringComparison.Ordinal),
                    "!=" => !string.Equals(s, right, StringComparison.Ordinal),
                    "=~" => RegexCache.IsMatch(right, s),
                    "!=~" => RegexCache.Get(right) is not null && !RegexCache.IsMatch(right, s),
                    _ => false,
                };
            default:
                return false;
        }
    }

    private static bool TryReadTokens(IReadOnlyList<JsonElement> stack, out List<CallToken> tokens, out string? error)
    {
        tokens = new List<CallToken>(stack.Count);
        error = null;
        foreach (var element in stack)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                error = "compound call stack entries must be objects";
                return false;
            }

            using var props = element.EnumerateObject();
            if (!props.MoveNext())
            {
                error = "empty compound call stack entry";
                return false;
            }

            var prop = props.Current;
            if (props.MoveNext())
            {
                error = "compound call stack entries must have exactly one key";
                return false;
            }

            switch (prop.Name)
            {
                case "statement" when prop.Value.ValueKind == JsonValueKind.String:
                    tokens.Add(new CallToken(CallTokenKind.Statement, prop.Value.GetString()));
                    break;
                case "fstatement":
                    if (!DataFunctionCall.TryFromJson(prop.Value, out var call))
                    {
                        error = "malformed fstatement";
                        return false;
                    }

                    tokens.Add(new CallToken(CallTokenKind.FStatement, null, call));
                    break;
                case "and":
                    tokens.Add(new CallToken(CallTokenKind.And));
                    break;
                case "or":
                    tokens.Add(new CallToken(CallTokenKind.Or));
                    break;
                case "not":
                    tokens.Add(new CallToken(CallTokenKind.Not));
                    break;
                case "(":
                    tokens.Add(new CallToken(CallTokenKind.Open));
                    break;
                case ")":
                    tokens.Add(new CallToken(CallTokenKind.Close));
                    break;
                default:
                    error = $"unknown compound call stack entry '{prop.Name}'";
                    return false;
            }
        }

        return true;
    }
}
