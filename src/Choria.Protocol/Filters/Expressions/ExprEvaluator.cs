using System.Text.Json;

namespace Choria.Protocol.Filters.Expressions;

/// <summary>
/// Evaluates a parsed expression against one node. Values are null, bool, long, double, string,
/// <see cref="IReadOnlyList{T}"/> of values, or a <see cref="JsonElement"/> object/array (facts
/// stay JSON until a scalar is needed, as expr-lang sees them after json.Unmarshal: numbers are
/// float64).
/// </summary>
internal sealed class ExprEvaluator(NodeData node, FilterContext ctx)
{
    // A node without facts behaves as if it had an empty facts document (docs/server.md).
    private static readonly JsonElement s_emptyFacts = JsonDocument.Parse("{}").RootElement.Clone();

    public object? Evaluate(ExprNode expr) => expr switch
    {
        LiteralNode l => l.Value,
        IdentifierNode i => Identifier(i.Name),
        ArrayNode a => a.Items.Select(Evaluate).ToList(),
        MemberNode m => Member(Evaluate(m.Target), m.Name, m.Optional),
        IndexNode x => Index(Evaluate(x.Target), Evaluate(x.Index), x.Optional),
        CallNode c => Call(c),
        UnaryNode u => Unary(u),
        BinaryNode b => Binary(b),
        _ => throw new ExprException("unsupported expression"),
    };

    private object? Identifier(string name) => name switch
    {
        "agents" => node.Agents,
        "classes" => node.Classes,
        "facts" => node.Facts.ValueKind == JsonValueKind.Object ? node.Facts : s_emptyFacts,

        // Undefined variables are allowed and evaluate to nil.
        _ => null,
    };

    private static object? Member(object? target, string name, bool optional)
    {
        switch (target)
        {
            case null when optional:
                return null;
            case JsonElement { ValueKind: JsonValueKind.Object } obj:
                return obj.TryGetProperty(name, out var v) ? FromJson(v) : null;
            default:
                throw new ExprException($"cannot fetch {name} from {TypeName(target)}");
        }
    }

    private static object? Index(object? target, object? index, bool optional)
    {
        if (target is null && optional)
        {
            return null;
        }

        if (target is JsonElement { ValueKind: JsonValueKind.Object } && index is string key)
        {
            return Member(target, key, optional);
        }

        var count = target switch
        {
            JsonElement { ValueKind: JsonValueKind.Array } a => a.GetArrayLength(),
            IReadOnlyList<string> s => s.Count,
            IReadOnlyList<object?> o => o.Count,
            string str => str.Length,
            _ => throw new ExprException($"cannot index {TypeName(target)}"),
        };

        if (index is not long i)
        {
            throw new ExprException($"cannot use {TypeName(index)} as an index");
        }

        if (i < 0)
        {
            i += count;
        }

        if (i < 0 || i >= count)
        {
            throw new ExprException($"index out of range: {i} (array length is {count})");
        }

        return target switch
        {
            JsonElement a => FromJson(a[(int)i]),
            IReadOnlyList<string> s => s[(int)i],
            IReadOnlyList<object?> o => o[(int)i],
            _ => ((string)target!)[(int)i].ToString(),
        };
    }

    private object? Unary(UnaryNode u)
    {
        var v = Evaluate(u.Operand);
        return u.Operator switch
        {
            "!" => v is bool b ? !b : throw new ExprException($"invalid operation: ! {TypeName(v)}"),
            "-" => v switch
            {
                long l => (object)(-l),
                double d => -d,
                _ => throw new ExprException($"invalid operation: - {TypeName(v)}"),
            },
            _ => v is long or double ? v : throw new ExprException($"invalid operation: + {TypeName(v)}"),
        };
    }

    private object? Binary(BinaryNode b)
    {
        switch (b.Operator)
        {
            case "&&":
                return AsBool(Evaluate(b.Left), "&&") && AsBool(Evaluate(b.Right), "&&");
            case "||":
                return AsBool(Evaluate(b.Left), "||") || AsBool(Evaluate(b.Right), "||");
        }

        var left = Evaluate(b.Left);
        var right = Evaluate(b.Right);
        switch (b.Operator)
        {
            case "==":
                return ValueEquals(left, right);
            case "!=":
                return !ValueEquals(left, right);
            case "<" or ">" or "<=" or ">=":
                var cmp = Order(left, right, b.Operator);
                return b.Operator switch { "<" => cmp < 0, ">" => cmp > 0, "<=" => cmp <= 0, _ => cmp >= 0 };
            case "in":
                return In(left, right);
            case "matches":
                var (s, pattern) = Strings(left, right, "matches");
                if (!RegexCache.TryMatch(pattern, s, out var matched))
                {
                    throw new ExprException($"invalid regular expression {pattern}");
                }

                return matched;
            case "contains":
                var (hay, needle) = Strings(left, right, "contains");
                return hay.Contains(needle, StringComparison.Ordinal);
            case "startsWith":
                var (s1, p1) = Strings(left, right, "startsWith");
                return s1.StartsWith(p1, StringComparison.Ordinal);
            case "endsWith":
                var (s2, p2) = Strings(left, right, "endsWith");
                return s2.EndsWith(p2, StringComparison.Ordinal);
            default:
                return Arithmetic(b.Operator, left, right);
        }
    }

    private static object Arithmetic(string op, object? left, object? right)
    {
        if (op == "+" && left is string ls && right is string rs)
        {
            return ls + rs;
        }

        if (left is long a && right is long c && op != "/")
        {
            return op switch
            {
                "+" => a + c,
                "-" => a - c,
                "*" => a * c,
                _ => c == 0 ? throw new ExprException("integer divide by zero") : a % c,
            };
        }

        if (op == "%" || !TryNumber(left, out var x) || !TryNumber(right, out var y))
        {
            throw new ExprException($"invalid operation: {TypeName(left)} {op} {TypeName(right)}");
        }

        return op switch { "+" => x + y, "-" => x - y, "*" => x * y, _ => x / y };
    }

    private object? Call(CallNode c)
    {
        switch (c.Name)
        {
            case "with":
                Arity(c, 1);
                return With(Str(Evaluate(c.Arguments[0]), "with"));
            case "fact":
                Arity(c, 1);
                return FactPath.TryGet(node.Facts, Str(Evaluate(c.Arguments[0]), "fact"), out var fact) ? FromJson(fact) : null;
            case "include":
                Arity(c, 2);
                var list = Evaluate(c.Arguments[0]);
                var needle = Evaluate(c.Arguments[1]);
                return list is not null && Enumerate(list, "include").Any(item => ValueEquals(item, needle));
            case "semver":
                Arity(c, 2);
                return SemVer.Satisfies(Str(Evaluate(c.Arguments[0]), "semver"), Str(Evaluate(c.Arguments[1]), "semver"));
            case "len":
                Arity(c, 1);
                var v = Evaluate(c.Arguments[0]);
                return v is string str ? (long)str.Length : Enumerate(v, "len").Count();
            case "lower":
                Arity(c, 1);
                return Str(Evaluate(c.Arguments[0]), "lower").ToLowerInvariant();
            case "upper":
                Arity(c, 1);
                return Str(Evaluate(c.Arguments[0]), "upper").ToUpperInvariant();
            default:
                return DataPlugin(c);
        }
    }

    private object? DataPlugin(CallNode c)
    {
        if (c.Arguments.Count > 1)
        {
            throw new ExprException($"{c.Name}() takes at most one argument");
        }

        var query = c.Arguments.Count == 1 ? Str(Evaluate(c.Arguments[0]), c.Name) : null;
        if (ctx.DataFunctions is null || !ctx.DataFunctions.TryQuery(c.Name, query, node, out var result))
        {
            throw new ExprException($"unknown function {c.Name}");
        }

        return FromJson(result);
    }

    private bool With(string s)
    {
        if (FactFilterParser.TryParse(s, out var fact, out _))
        {
            return FactComparer.Matches(node.Facts, fact, out _);
        }

        return NeedleMatcher.MatchesAny(s, node.Classes) || NeedleMatcher.MatchesAny(s, node.Agents);
    }

    private static bool In(object? left, object? right)
    {
        switch (right)
        {
            case null:
                return false;
            case JsonElement { ValueKind: JsonValueKind.Object } obj:
                return left is string key ? obj.TryGetProperty(key, out _) : throw new ExprException($"cannot use {TypeName(left)} as a map key");
            default:
                return Enumerate(right, "in").Any(item => ValueEquals(left, item));
        }
    }

    private static IEnumerable<object?> Enumerate(object? value, string op) => value switch
    {
        JsonElement { ValueKind: JsonValueKind.Array } a => a.EnumerateArray().Select(FromJson),
        IReadOnlyList<string> s => s,
        IReadOnlyList<object?> o => o,
        _ => throw new ExprException($"{op}: expected an array, got {TypeName(value)}"),
    };

    /// <summary>expr-lang equality: numbers compare by value across int/float, lists and maps deeply.</summary>
    internal static bool ValueEquals(object? a, object? b)
    {
        if (TryNumber(a, out var x) && TryNumber(b, out var y))
        {
            return x == y;
        }

        return (a, b) switch
        {
            (null, null) => true,
            (null, _) or (_, null) => false,
            (string s, string t) => string.Equals(s, t, StringComparison.Ordinal),
            (bool p, bool q) => p == q,
            (JsonElement { ValueKind: JsonValueKind.Object } p, JsonElement { ValueKind: JsonValueKind.Object } q) => JsonElement.DeepEquals(p, q),
            _ when IsList(a) && IsList(b) => Enumerate(a, "==").SequenceEqual(Enumerate(b, "=="), EqualityComparer.Instance),
            _ => false,
        };
    }

    private static bool IsList(object? v) => v is JsonElement { ValueKind: JsonValueKind.Array } or IReadOnlyList<string> or IReadOnlyList<object?>;

    private static int Order(object? left, object? right, string op)
    {
        if (TryNumber(left, out var x) && TryNumber(right, out var y))
        {
            return x.CompareTo(y);
        }

        if (left is string s && right is string t)
        {
            return string.CompareOrdinal(s, t);
        }

        throw new ExprException($"invalid operation: {TypeName(left)} {op} {TypeName(right)}");
    }

    private static bool TryNumber(object? v, out double d)
    {
        switch (v)
        {
            case long l:
                d = l;
                return true;
            case double f:
                d = f;
                return true;
            default:
                d = 0;
                return false;
        }
    }

    private static (string, string) Strings(object? left, object? right, string op) =>
        left is string l && right is string r ? (l, r) : throw new ExprException($"invalid operation: {TypeName(left)} {op} {TypeName(right)}");

    private static string Str(object? v, string fn) => v as string ?? throw new ExprException($"{fn}: expected a string, got {TypeName(v)}");

    private static bool AsBool(object? v, string op) => v as bool? ?? throw new ExprException($"invalid operation: {op} on {TypeName(v)}");

    private static void Arity(CallNode c, int n)
    {
        if (c.Arguments.Count != n)
        {
            throw new ExprException($"{c.Name}() takes {n} argument(s), got {c.Arguments.Count}");
        }
    }

    internal static object? FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Object or JsonValueKind.Array => e,
        _ => null,
    };

    private static string TypeName(object? v) => v switch
    {
        null => "nil",
        bool => "bool",
        long => "int",
        double => "float64",
        string => "string",
        JsonElement { ValueKind: JsonValueKind.Object } => "map",
        _ => "array",
    };

    private sealed class EqualityComparer : IEqualityComparer<object?>
    {
        public static EqualityComparer Instance { get; } = new();

        public new bool Equals(object? x, object? y) => ValueEquals(x, y);

        public int GetHashCode(object? obj) => 0;
    }
}
