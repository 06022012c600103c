using System.Globalization;
using System.Text;

namespace Choria.Protocol.Filters.Expressions;

internal enum ExprTokenKind
{
    Number,
    String,
    Identifier,
    Operator,
    End,
}

internal readonly record struct ExprToken(ExprTokenKind Kind, string Text, object? Literal, int Position);

/// <summary>Tokenizer for the expr-lang subset used by compound filters.</summary>
internal static class ExprLexer
{
    private static readonly string[] s_operators =
        ["?.", "&&", "||", "==", "!=", "<=", ">=", "<", ">", "!", "(", ")", "[", "]", ",", ".", "+", "-", "*", "/", "%"];

    public static List<ExprToken> Tokenize(string source)
    {
        var tokens = new List<ExprToken>();
        var i = 0;
        while (i < source.Length)
        {
            var c = source[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (char.IsAsciiDigit(c))
            {
                tokens.Add(ReadNumber(source, ref i));
            }
            else if (c is '\'' or '"' or '`')
            {
                tokens.Add(ReadString(source, ref i));
            }
            else if (char.IsAsciiLetter(c) || c is '_' or '$')
            {
                var start = i;
                while (i < source.Length && (char.IsAsciiLetterOrDigit(source[i]) || source[i] is '_' or '$'))
                {
                    i++;
                }

                tokens.Add(new ExprToken(ExprTokenKind.Identifier, source[start..i], null, start));
            }
            else
            {
                var op = Array.Find(s_operators, o => string.CompareOrdinal(source, i, o, 0, o.Length) == 0)
                    ?? throw new ExprException($"unexpected character '{c}' at {i}");
                tokens.Add(new ExprToken(ExprTokenKind.Operator, op, null, i));
                i += op.Length;
            }
        }

        tokens.Add(new ExprToken(ExprTokenKind.End, "", null, source.Length));
        return tokens;
    }

    private static ExprToken ReadNumber(string s, ref int i)
    {
        var start = i;
        while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '_'))
        {
            i++;
        }

        var isFloat = false;
        if (i + 1 < s.Length && s[i] == '.' && char.IsAsciiDigit(s[i + 1]))
        {
            isFloat = true;
            i++;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }
        }

        if (i < s.Length && s[i] is 'e' or 'E')
        {
            var j = i + 1;
            if (j < s.Length && s[j] is '+' or '-')
            {
                j++;
            }

            if (j < s.Length && char.IsAsciiDigit(s[j]))
            {
                isFloat = true;
                i = j;
                while (i < s.Length && char.IsAsciiDigit(s[i]))
                {
                    i++;
                }
            }
        }

        var text = s[start..i].Replace("_", "", StringComparison.Ordinal);
        if (isFloat)
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            {
                throw new ExprException($"invalid number {text}");
            }

            return new ExprToken(ExprTokenKind.Number, text, d, start);
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var l))
        {
            throw new ExprException($"invalid integer {text}");
        }

        return new ExprToken(ExprTokenKind.Number, text, l, start);
    }

    private static ExprToken ReadString(string s, ref int i)
    {
        var quote = s[i];
        var start = i++;
        var sb = new StringBuilder();
        while (i < s.Length && s[i] != quote)
        {
            var c = s[i++];
            if (c != '\\' || quote == '`')
            {
                sb.Append(c);
                continue;
            }

            if (i >= s.Length)
            {
                break;
            }

            var e = s[i++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'u' when i + 4 <= s.Length && ushort.TryParse(s.AsSpan(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var u):
                    sb.Append((char)u);
                    i += 4;
                    break;
                case '\\' or '\'' or '"':
                    sb.Append(e);
                    break;
                default:
                    // Keep unknown escapes so regex literals such as '\d' survive.
                    sb.Append('\\').Append(e);
                    break;
            }
        }

        if (i >= s.Length)
        {
            throw new ExprException($"unterminated string starting at {start}");
        }

        i++;
        return new ExprToken(ExprTokenKind.String, s[start..i], sb.ToString(), start);
    }
}

/// <summary>Compile or run error of an expression; caught at the expression boundary and turned into a failure.</summary>
internal sealed class ExprException(string message) : Exception(message);
