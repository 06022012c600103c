using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace Choria.Protocol.Filters.Compound;

/// <summary>
/// Client side of <c>-S</c>: turns <c>role=web and (country=mt or not apache)</c> into the
/// MCollective call stack Ruby clients put in <c>filter.compound</c> (wire captures 16/17):
/// <c>[{"statement":"role=web"},{"and":"and"},{"(":"("},...]</c>.
/// </summary>
public static class CompoundParser
{
    private static readonly string[] s_functionOperators = ["!=", ">=", "<=", "==", "=", "<", ">"];

    /// <summary>Parses and validates <paramref name="input"/> into one call stack.</summary>
    public static bool TryParse(string input, [NotNullWhen(true)] out List<JsonElement>? callStack, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(input);
        callStack = null;
        if (!TryTokenize(input, out var tokens, out var tokenError))
        {
            error = tokenError ?? "invalid compound filter";
            return false;
        }

        // Validate with the evaluator's grammar so we never send what a server would reject.
        if (CallGrammar.Evaluate(tokens, _ => true, out var grammarError) is null)
        {
            error = grammarError ?? "invalid compound filter";
            return false;
        }

        error = null;
        callStack = ToJson(tokens);
        return true;
    }

    /// <summary>
    /// Parses <c>name(params).value op r_compare</c>. The result is keyed like Ruby's
    /// <c>create_function_hash</c>: regex comparisons become <c>=~</c>/<c>!=~</c>, <c>=</c> becomes <c>==</c>.
    /// </summary>
    public static bool TryParseFunction(string text, [NotNullWhen(true)] out DataFunctionCall? call)
    {
        ArgumentNullException.ThrowIfNull(text);
        call = null;
        var open = text.IndexOf('(', StringComparison.Ordinal);
        if (open <= 0)
        {
            return false;
        }

        var close = FindClose(text, open);
        if (close < 0)
        {
            return false;
        }

        var name = text[..open];
        var parameters = Unquote(text[(open + 1)..close].Trim());
        var rest = text[(close + 1)..];
        string? value = null;
        if (rest.StartsWith('.'))
        {
            var end = 1;
            while (end < rest.Length && (char.IsAsciiLetterOrDigit(rest[end]) || rest[end] == '_'))
            {
                end++;
            }

            value = rest[1..end];
            rest = rest[end..];
        }

        string? op = null;
        string? rCompare = null;
        rest = rest.Trim();
        if (rest.Length > 0)
        {
            op = Array.Find(s_functionOperators, o => rest.StartsWith(o, StringComparison.Ordinal));
            if (op is null)
            {
                return false;
            }

            rCompare = rest[op.Length..].Trim();
            if (rCompare.Length >= 2 && rCompare[0] == '/' && rCompare[^1] == '/')
            {
                op = op switch { "=" or "==" => "=~", "!=" => "!=~", _ => op };

                // Ruby serialises the Regexp object with to_s.
                rCompare = "(?-mix:" + rCompare[1..^1] + ")";
            }
            else if (op == "=")
            {
                op = "==";
            }
        }

        call = new DataFunctionCall { Name = name, Params = parameters.Length == 0 ? null : parameters, Value = value, Operator = op, RCompare = rCompare };
        return true;
    }

    internal static bool TryTokenize(string input, out List<CallToken> tokens, [NotNullWhen(false)] out string? error)
    {
        tokens = [];
        error = null;
        var i = 0;
        while (i < input.Length)
        {
            var c = input[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '(')
            {
                tokens.Add(new CallToken(CallTokenKind.Open));
                i++;
            }
            else if (c == ')')
            {
                tokens.Add(new CallToken(CallTokenKind.Close));
                i++;
            }
            else if (c == '!' && !(i + 1 < input.Length && input[i + 1] == '='))
            {
                tokens.Add(new CallToken(CallTokenKind.Not));
                i++;
            }
            else if (Keyword(input, i, "and"))
            {
                tokens.Add(new CallToken(CallTokenKind.And));
                i += 3;
            }
            else if (Keyword(input, i, "or"))
            {
                tokens.Add(new CallToken(CallTokenKind.Or));
                i += 2;
            }
            else if (Keyword(input, i, "not"))
            {
                tokens.Add(new CallToken(CallTokenKind.Not));
                i += 3;
            }
            else
            {
                if (!TryReadStatement(input, ref i, out var text, out var isFunction, out error))
                {
                    return false;
                }

                if (isFunction)
                {
                    if (!TryParseFunction(text, out var call))
                    {
                        error = $"invalid data function statement '{text}'";
                        return false;
                    }

                    tokens.Add(new CallToken(CallTokenKind.FStatement, text, call));
                }
                else
                {
                    tokens.Add(new CallToken(CallTokenKind.Statement, text));
                }
            }
        }

        return true;
    }

    private static bool Keyword(string s, int i, string word) =>
        string.CompareOrdinal(s, i, word, 0, word.Length) == 0
        && (i + word.Length == s.Length || char.IsWhiteSpace(s[i + word.Length]) || s[i + word.Length] == '(');

    private static bool TryReadStatement(string s, ref int i, out string text, out bool isFunction, [NotNullWhen(false)] out string? error)
    {
        var sb = new StringBuilder();
        isFunction = false;
        error = null;
        text = "";

        if (s[i] == '/')
        {
            // Regex class statement: everything up to the closing slash, spaces included.
            var end = s.IndexOf('/', i + 1);
            while (end > 0 && s[end - 1] == '\\')
            {
                end = s.IndexOf('/', end + 1);
            }

            if (end < 0)
            {
                error = $"unterminated regular expression in '{s[i..]}'";
                return false;
            }

            text = s[i..(end + 1)];
            i = end + 1;
            return true;
        }

        if (!TryReadWord(s, ref i, sb, ref isFunction, out error))
        {
            return false;
        }

        // "fact = value", "fact =value", "f(x).y > 1": join the operator and value the shell split off.
        var current = sb.ToString();
        var tail = isFunction ? current[(current.LastIndexOf(')') + 1)..] : current;
        var j = SkipSpaces(s, i);
        if (!HasOperator(tail) && j < s.Length && StartsWithOperator(s, j))
        {
            var opEnd = j;
            while (opEnd < s.Length && "=<>!~".Contains(s[opEnd], StringComparison.Ordinal))
            {
                opEnd++;
            }

            sb.Append(s, j, opEnd - j);
            i = opEnd;
            current = sb.ToString();
        }

        j = SkipSpaces(s, i);
        if (EndsWithOperator(current) && j < s.Length && s[j] != ')')
        {
            var valueIsFunction = false;
            if (!TryReadWord(s, ref j, sb, ref valueIsFunction, out error))
            {
                return false;
            }

            i = j;
            current = sb.ToString();
        }

        text = current;
        return true;
    }

    private static bool TryReadWord(string s, ref int i, StringBuilder sb, ref bool isFunction, [NotNullWhen(false)] out string? error)
    {
        error = null;
        while (i < s.Length && !char.IsWhiteSpace(s[i]) && s[i] != ')')
        {
            var c = s[i];
            if (c == '(')
            {
                var close = FindClose(s, i);
                if (close < 0)
                {
                    error = $"unbalanced parentheses in '{s[i..]}'";
                    return false;
                }

                isFunction = true;
                sb.Append(s, i, close - i + 1);
                i = close + 1;
            }
            else if (c is '"' or '\'')
            {
                var end = s.IndexOf(c, i + 1);
                if (end < 0)
                {
                    error = $"unterminated quote in '{s[i..]}'";
                    return false;
                }

                sb.Append(s, i + 1, end - i - 1);
                i = end + 1;
            }
            else if (c == '/' && sb.Length > 0 && sb[^1] is '=' or '~' or '<' or '>')
            {
                // A regex value may contain spaces: "fact=/a b/".
                var end = s.IndexOf('/', i + 1);
                while (end > 0 && s[end - 1] == '\\')
                {
                    end = s.IndexOf('/', end + 1);
                }

                if (end < 0)
                {
                    error = $"unterminated regular expression in '{s[i..]}'";
                    return false;
                }

                sb.Append(s, i, end - i + 1);
                i = end + 1;
            }
            else
            {
                sb.Append(c);
                i++;
            }
        }

        return true;
    }

    private static int SkipSpaces(string s, int i)
    {
        while (i < s.Length && char.IsWhiteSpace(s[i]))
        {
            i++;
        }

        return i;
    }

    private static bool HasOperator(string s) => s.IndexOfAny(['=', '<', '>']) >= 0;

    private static bool StartsWithOperator(string s, int i) =>
        s[i] is '=' or '<' or '>' || (s[i] == '!' && i + 1 < s.Length && s[i + 1] == '=');

    private static bool EndsWithOperator(string s) => s.Length > 0 && s[^1] is '=' or '<' or '>' or '~';

    private static int FindClose(string s, int open)
    {
        char quote = '\0';
        for (var k = open + 1; k < s.Length; k++)
        {
            var c = s[k];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == ')')
            {
                return k;
            }
        }

        return -1;
    }

    private static string Unquote(string s) =>
        s.Length >= 2 && (s[0] is '"' or '\'') && s[^1] == s[0] ? s[1..^1] : s;

    private static List<JsonElement> ToJson(List<CallToken> tokens)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            foreach (var token in tokens)
            {
                w.WriteStartObject();
                switch (token.Kind)
                {
                    case CallTokenKind.Statement:
                        w.WriteString("statement", token.Text);
                        break;
                    case CallTokenKind.FStatement:
                        w.WriteStartObject("fstatement");
                        WriteFunction(w, token.Function!);
                        w.WriteEndObject();
                        break;
                    default:
                        var word = CallGrammar.Describe(token);
                        w.WriteString(word, word);
                        break;
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        return [.. doc.RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    private static void WriteFunction(Utf8JsonWriter w, DataFunctionCall call)
    {
        // Key order of Ruby's create_function_hash.
        w.WriteString("r_compare", call.RCompare);
        w.WriteString("operator", call.Operator);
        if (call.Value is not null)
        {
            w.WriteString("value", call.Value);
        }

        w.WriteString("name", call.Name);
        w.WriteString("params", call.Params);
    }
}
