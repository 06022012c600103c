using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Choria.Server.Data;

namespace Choria.Server.Authorization;

/// <summary>Evaluates one fact filter string (server.md 4.7 syntax) against the facts; swappable for the full filter engine.</summary>
public interface IFactMatcher
{
    bool Matches(JsonElement facts, string filter);
}

/// <summary>
/// Minimal evaluator for action policies: <c>fact=value</c>, <c>fact=/re/</c>, <c>fact OP value</c>.
/// Numbers compare numerically when both sides are numbers, everything else as strings.
/// </summary>
public sealed partial class SimpleFactMatcher : IFactMatcher
{
    [GeneratedRegex(@"^([^\s=<>!]+)=([<>])(.+)$")]
    private static partial Regex ShortCompare();

    [GeneratedRegex(@"^([^\s]+?)\s*(<=|>=|<|>|!=|==|=~)\s*(.+)$")]
    private static partial Regex Operator();

    [GeneratedRegex(@"^([^\s=]+)=(.*)$")]
    private static partial Regex Equals();

    public bool Matches(JsonElement facts, string filter)
    {
        if (!TryParse(filter, out var fact, out var op, out var value) || !FactPath.TryLookup(facts, fact, out var factValue))
        {
            return false;
        }

        var text = factValue.ValueKind switch
        {
            JsonValueKind.String => factValue.GetString()!,
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => factValue.GetRawText(),
            _ => null,
        };
        if (text is null)
        {
            return false;
        }

        if (op == "=~")
        {
            var pattern = value.Length >= 2 && value[0] == '/' && value[^1] == '/' ? value[1..^1] : value;
            try
            {
                return Regex.IsMatch(text, pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException)
            {
                return false;
            }
        }

        int cmp;
        if (factValue.ValueKind == JsonValueKind.Number && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var wanted))
        {
            cmp = factValue.GetDouble().CompareTo(wanted);
        }
        else
        {
            cmp = string.CompareOrdinal(text, value);
        }

        return op switch
        {
            "==" => cmp == 0,
            "!=" => cmp != 0,
            "<" => cmp < 0,
            ">" => cmp > 0,
            "<=" => cmp <= 0,
            ">=" => cmp >= 0,
            _ => false,
        };
    }

    internal static bool TryParse(string filter, out string fact, out string op, out string value)
    {
        Match m;
        if ((m = ShortCompare().Match(filter)).Success)
        {
            (fact, op, value) = (m.Groups[1].Value, m.Groups[2].Value == ">" ? ">=" : "<=", m.Groups[3].Value);
            return true;
        }

        if ((m = Operator().Match(filter)).Success)
        {
            (fact, op, value) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value);
            return true;
        }

        if ((m = Equals().Match(filter)).Success)
        {
            var v = m.Groups[2].Value;
            var isRegex = v.Length >= 2 && v[0] == '/' && v[^1] == '/';
            (fact, op, value) = (m.Groups[1].Value, isRegex ? "=~" : "==", v);
            return true;
        }

        (fact, op, value) = ("", "", "");
        return false;
    }
}
