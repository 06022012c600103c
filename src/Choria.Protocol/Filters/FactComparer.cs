using System.Globalization;
using System.Text.Json;

namespace Choria.Protocol.Filters;

/// <summary>
/// Fact filter evaluation with the exact 2020 go-protocol semantics, quirks included
/// (docs/protocol.md, docs/server.md): numbers compare as floats only when the value has a dot,
/// otherwise against the truncated integer; <c>&gt;</c> with a dotted value is <c>&gt;=</c>;
/// a false fact answers <c>!=</c> like <c>==</c>.
/// </summary>
public static class FactComparer
{
    /// <summary>Evaluates one filter; <paramref name="error"/> is set when Go would have returned an error.</summary>
    public static bool Matches(JsonElement facts, FactFilter filter, out string? error)
    {
        ArgumentNullException.ThrowIfNull(filter);
        error = null;

        // Deserialised filters may carry JSON nulls despite the non-nullable declarations.
        var name = filter.Fact ?? "";
        if (!FactPath.TryGet(facts, name, out var fact))
        {
            return false;
        }

        return Compare(fact, filter.Operator ?? "", filter.Value ?? "", name, out error);
    }

    /// <summary>AND over all filters; the first false or erroring filter decides.</summary>
    public static bool MatchesAll(JsonElement facts, IReadOnlyList<FactFilter> filters, out string? error)
    {
        error = null;
        foreach (var filter in filters)
        {
            if (filter is null)
            {
                error = "null fact filter";
                return false;
            }

            if (!Matches(facts, filter, out error))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Compares an already looked-up fact value.</summary>
    public static bool Compare(JsonElement fact, string op, string value, string factName, out string? error)
    {
        error = null;
        switch (op)
        {
            case "==":
                return Equal(fact, value, out error);
            case "!=":
                return NotEqual(fact, value, out error);
            case "=~":
                return RegexMatch(fact, value, out error);
            case "<" or ">" or "<=" or ">=":
                return Order(fact, op, value, out error);
            default:
                error = $"unknown fact matching operator {op} while looking for fact {factName}";
                return false;
        }
    }

    /// <summary>Go <c>strconv.ParseBool</c>: true only for 1 t T TRUE true True.</summary>
    public static bool ParseBoolIsTrue(string value) => value is "1" or "t" or "T" or "TRUE" or "true" or "True";

    private static bool Equal(JsonElement fact, string value, out string? error)
    {
        error = null;
        switch (fact.ValueKind)
        {
            case JsonValueKind.String:
                return string.Equals(fact.GetString(), value, StringComparison.Ordinal);
            case JsonValueKind.Number:
                if (value.Contains('.', StringComparison.Ordinal))
                {
                    if (!TryParseFloat(value, out var f, out error))
                    {
                        return false;
                    }

                    return fact.GetDouble() == f;
                }

                return string.Equals(TruncatedInt(fact).ToString(CultureInfo.InvariantCulture), value, StringComparison.Ordinal);
            case JsonValueKind.True:
                return ParseBoolIsTrue(value);
            case JsonValueKind.False:
                return !ParseBoolIsTrue(value);
            default:
                return false;
        }
    }

    private static bool NotEqual(JsonElement fact, string value, out string? error)
    {
        error = null;
        switch (fact.ValueKind)
        {
            case JsonValueKind.String:
                return !string.Equals(fact.GetString(), value, StringComparison.Ordinal);
            case JsonValueKind.Number:
                if (value.Contains('.', StringComparison.Ordinal))
                {
                    if (!TryParseFloat(value, out var f, out error))
                    {
                        return false;
                    }

                    return fact.GetDouble() != f;
                }

                return !string.Equals(TruncatedInt(fact).ToString(CultureInfo.InvariantCulture), value, StringComparison.Ordinal);
            case JsonValueKind.True:
                return !ParseBoolIsTrue(value.ToLowerInvariant());

            // Quirk pinned by the vectors: for a false fact Go answers != exactly like ==.
            case JsonValueKind.False:
                return !ParseBoolIsTrue(value.ToLowerInvariant());
            default:
                return false;
        }
    }

    private static bool RegexMatch(JsonElement fact, string value, out string? error)
    {
        error = null;
        var pattern = value.Trim('/');
        string subject;
        switch (fact.ValueKind)
        {
            case JsonValueKind.String:
                subject = fact.GetString() ?? "";
                break;
            case JsonValueKind.Number:
                subject = value.Contains('.', StringComparison.Ordinal)
                    ? fact.GetDouble().ToString("F4", CultureInfo.InvariantCulture)
                    : TruncatedInt(fact).ToString(CultureInfo.InvariantCulture);
                break;
            case JsonValueKind.True:
                return ParseBoolIsTrue(value.ToLowerInvariant());
            case JsonValueKind.False:
                return !ParseBoolIsTrue(value.ToLowerInvariant());
            default:
                return false;
        }

        if (!RegexCache.TryMatch(pattern, subject, out var matched))
        {
            error = $"invalid regular expression {pattern}";
            return false;
        }

        return matched;
    }

    private static bool Order(JsonElement fact, string op, string value, out string? error)
    {
        error = null;
        int cmp;
        switch (fact.ValueKind)
        {
            case JsonValueKind.String:
                cmp = CompareUtf8(fact.GetString() ?? "", value);
                break;
            case JsonValueKind.Number when value.Contains('.', StringComparison.Ordinal):
                if (!TryParseFloat(value, out var f, out error))
                {
                    return false;
                }

                var d = fact.GetDouble();
                return op switch
                {
                    "<" => d < f,
                    "<=" => d <= f,

                    // Quirk pinned by the vectors: 2020 implemented float '>' as '>='.
                    ">" => d >= f,
                    _ => d >= f,
                };
            case JsonValueKind.Number:
                if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                {
                    error = $"could not parse {value} as an integer";
                    return false;
                }

                cmp = TruncatedInt(fact).CompareTo(l);
                break;
            default:
                error = $"cannot compare a {fact.ValueKind} fact with {op}";
                return false;
        }

        return op switch
        {
            "<" => cmp < 0,
            "<=" => cmp <= 0,
            ">" => cmp > 0,
            _ => cmp >= 0,
        };
    }

    private static bool TryParseFloat(string value, out double result, out string? error)
    {
        error = null;
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out result))
        {
            return true;
        }

        error = $"could not parse {value} as a float";
        return false;
    }

    /// <summary>gjson <c>Result.Int()</c>: exact integers as-is, otherwise the float truncated (saturating).</summary>
    internal static long TruncatedInt(JsonElement number)
    {
        if (number.TryGetInt64(out var l))
        {
            return l;
        }

        var d = Math.Truncate(number.GetDouble());
        if (double.IsNaN(d))
        {
            return 0;
        }

        return d >= long.MaxValue ? long.MaxValue : d <= long.MinValue ? long.MinValue : (long)d;
    }

    // Go compares strings byte-wise (UTF-8); ordinal UTF-16 order differs for astral characters.
    private static int CompareUtf8(string a, string b)
    {
        var ea = a.EnumerateRunes();
        var eb = b.EnumerateRunes();
        while (true)
        {
            var hasA = ea.MoveNext();
            var hasB = eb.MoveNext();
            if (!hasA || !hasB)
            {
                return hasA == hasB ? 0 : hasA ? 1 : -1;
            }

            var c = ea.Current.Value.CompareTo(eb.Current.Value);
            if (c != 0)
            {
                return c;
            }
        }
    }
}
