using System.Text;

namespace Choria.Protocol.Filters;

/// <summary>
/// Rewrites the RE2 constructs whose meaning differs in .NET so needles behave as on a Go server:
/// <c>\d \w \s</c> are ASCII-only in RE2, POSIX classes (<c>[[:alpha:]]</c>) and <c>(?P&lt;name&gt;</c>
/// groups are RE2 syntax .NET lacks, and RE2's <c>$</c> (without <c>m</c>) matches only at the very
/// end while .NET's also matches before a final newline.
/// </summary>
internal static class Re2Translator
{
    private static readonly Dictionary<string, string> s_posix = new(StringComparer.Ordinal)
    {
        ["alnum"] = "0-9A-Za-z",
        ["alpha"] = "A-Za-z",
        ["ascii"] = "\\x00-\\x7F",
        ["blank"] = "\\t ",
        ["cntrl"] = "\\x00-\\x1F\\x7F",
        ["digit"] = "0-9",
        ["graph"] = "!-~",
        ["lower"] = "a-z",
        ["print"] = " -~",
        ["punct"] = "!-/:-@\\[-`{-~",
        ["space"] = "\\t\\n\\v\\f\\r ",
        ["upper"] = "A-Z",
        ["word"] = "0-9A-Za-z_",
        ["xdigit"] = "0-9A-Fa-f",
    };

    public static string Translate(string pattern)
    {
        // Cheap exit for the common plain needles.
        if (pattern.AsSpan().IndexOfAny("\\[$(") < 0)
        {
            return pattern;
        }

        var multiline = HasMultilineFlag(pattern);
        var sb = new StringBuilder(pattern.Length + 16);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                var e = pattern[++i];
                var ascii = e switch
                {
                    'd' => "0-9",
                    'w' => "0-9A-Za-z_",
                    's' => "\\t\\n\\f\\r ",
                    _ => null,
                };
                if (ascii is not null)
                {
                    sb.Append(inClass ? ascii : "[" + ascii + "]");
                }
                else if (!inClass && e is 'D' or 'W' or 'S')
                {
                    sb.Append("[^").Append(e switch { 'D' => "0-9", 'W' => "0-9A-Za-z_", _ => "\\t\\n\\f\\r " }).Append(']');
                }
                else
                {
                    sb.Append('\\').Append(e);
                }

                continue;
            }

            if (inClass)
            {
                if (c == '[' && i + 1 < pattern.Length && pattern[i + 1] == ':')
                {
                    var end = pattern.IndexOf(":]", i + 2, StringComparison.Ordinal);
                    if (end > 0 && s_posix.TryGetValue(pattern[(i + 2)..end], out var range))
                    {
                        sb.Append(range);
                        i = end + 1;
                        continue;
                    }
                }

                if (c == ']')
                {
                    inClass = false;
                }

                sb.Append(c);
                continue;
            }

            switch (c)
            {
                case '[':
                    inClass = true;
                    sb.Append(c);

                    // A ']' right after '[' or '[^' is a literal in both dialects.
                    if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                    {
                        sb.Append('^');
                        i++;
                    }

                    if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                    {
                        sb.Append("\\]");
                        i++;
                    }

                    break;
                case '(' when string.CompareOrdinal(pattern, i, "(?P<", 0, 4) == 0:
                    sb.Append("(?<");
                    i += 3;
                    break;
                case '$' when !multiline:
                    sb.Append("\\z");
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }

        return sb.ToString();
    }

    private static bool HasMultilineFlag(string pattern)
    {
        for (var i = pattern.IndexOf("(?", StringComparison.Ordinal); i >= 0; i = pattern.IndexOf("(?", i + 2, StringComparison.Ordinal))
        {
            for (var j = i + 2; j < pattern.Length && (char.IsAsciiLetter(pattern[j]) || pattern[j] == '-'); j++)
            {
                if (pattern[j] == 'm')
                {
                    return true;
                }
            }
        }

        return false;
    }
}
