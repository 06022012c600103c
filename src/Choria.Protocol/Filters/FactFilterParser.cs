using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Choria.Protocol.Filters;

/// <summary>
/// The 2020 CLI fact filter syntax (<c>filter.ParseFactFilterString</c>, docs/protocol.md,
/// docs/server.md), also used by compound statements and <c>with()</c>.
/// </summary>
public static partial class FactFilterParser
{
    /// <summary>Parses <paramref name="input"/>; on failure <paramref name="error"/> holds the Go error text.</summary>
    public static bool TryParse(string input, [NotNullWhen(true)] out FactFilter? filter, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(input);
        filter = null;
        error = null;

        Match m;
        if ((m = GreaterEqualAlt().Match(input)).Success)
        {
            filter = Make(m.Groups[1].Value, ">=", m.Groups[2].Value);
        }
        else if ((m = LessEqualAlt().Match(input)).Success)
        {
            filter = Make(m.Groups[1].Value, "<=", m.Groups[2].Value);
        }
        else if ((m = WithOperator().Match(input)).Success)
        {
            filter = Make(m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value);
        }
        else if ((m = RegexValue().Match(input)).Success)
        {
            filter = Make(m.Groups[1].Value, "=~", "/" + m.Groups[2].Value + "/");
        }
        else if ((m = PlainEquals().Match(input)).Success)
        {
            filter = Make(m.Groups[1].Value, "==", m.Groups[2].Value);
        }
        else
        {
            error = $"Could not parse fact {input} it does not appear to be in a valid format";
            return false;
        }

        return true;
    }

    /// <summary>
    /// Splits a CLI "combined" filter (<c>-W</c>) on spaces: words that parse as fact filters become
    /// facts, the rest classes.
    /// </summary>
    public static (List<FactFilter> Facts, List<string> Classes) SplitCombined(string combined)
    {
        ArgumentNullException.ThrowIfNull(combined);
        var facts = new List<FactFilter>();
        var classes = new List<string>();
        foreach (var word in combined.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (TryParse(word, out var fact, out _))
            {
                facts.Add(fact);
            }
            else
            {
                classes.Add(word);
            }
        }

        return (facts, classes);
    }

    private static FactFilter Make(string fact, string op, string value) => new() { Fact = fact, Operator = op, Value = value };

    [GeneratedRegex("^([^ ]+?)[ ]*=>[ ]*(.+)", RegexOptions.CultureInvariant)]
    private static partial Regex GreaterEqualAlt();

    [GeneratedRegex("^([^ ]+?)[ ]*=<[ ]*(.+)", RegexOptions.CultureInvariant)]
    private static partial Regex LessEqualAlt();

    [GeneratedRegex("^([^ ]+?)[ ]*(<=|>=|<|>|!=|==|=~)[ ]*(.+)", RegexOptions.CultureInvariant)]
    private static partial Regex WithOperator();

    [GeneratedRegex("^([^ ]+?)[ ]*=[ ]*/(.+)/$", RegexOptions.CultureInvariant)]
    private static partial Regex RegexValue();

    [GeneratedRegex("^([^ ]+?)[ ]*=[ ]*(.+)", RegexOptions.CultureInvariant)]
    private static partial Regex PlainEquals();
}
