using System.Globalization;

namespace Choria.Protocol.Filters.Expressions;

/// <summary>
/// Subset of Masterminds semver constraints for <c>semver(version, constraint)</c>: operators
/// <c>= != &gt; &gt;= &lt; &lt;= ~ ^</c>, partial versions as wildcards (<c>~1.2</c>, <c>&gt; 1</c>),
/// comma- or space-separated AND and <c>||</c> alternatives. Pre-release tags compare by semver
/// precedence (Masterminds' "exclude pre-releases unless asked" rule is not reproduced).
/// </summary>
internal static class SemVer
{
    public static bool Satisfies(string version, string constraint)
    {
        if (!TryParse(version, out var v, out var parts) || parts == 0)
        {
            throw new ExprException($"invalid semantic version {version}");
        }

        var alternatives = constraint.Split("||");
        foreach (var alternative in alternatives)
        {
            var terms = Terms(alternative);
            if (terms.Count == 0)
            {
                throw new ExprException($"invalid semver constraint {constraint}");
            }

            if (terms.All(t => Check(v, t, constraint)))
            {
                return true;
            }
        }

        return false;
    }

    private static List<string> Terms(string alternative)
    {
        // "> 1.0, < 2" and ">1.0 <2" are both AND; an operator may be separated from its version.
        var raw = alternative.Replace(",", " ", StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var terms = new List<string>();
        for (var i = 0; i < raw.Length; i++)
        {
            var t = raw[i];
            if (t.All(c => c is '=' or '!' or '<' or '>' or '~' or '^') && i + 1 < raw.Length)
            {
                t += raw[++i];
            }

            terms.Add(t);
        }

        return terms;
    }

    private static bool Check(Version v, string term, string constraint)
    {
        var opLength = 0;
        while (opLength < term.Length && term[opLength] is '=' or '!' or '<' or '>' or '~' or '^')
        {
            opLength++;
        }

        var op = term[..opLength];
        if (!TryParse(term[opLength..], out var c, out var parts))
        {
            throw new ExprException($"invalid semver constraint {constraint}");
        }

        // Lower bound of the wildcard range and the first version above it.
        var upperOfPartial = parts switch
        {
            0 => new Version(long.MaxValue, 0, 0, ""),
            1 => new Version(c.Major + 1, 0, 0, ""),
            2 => new Version(c.Major, c.Minor + 1, 0, ""),
            _ => c,
        };
        var inPartial = parts == 3 ? v.CompareTo(c) == 0 : v.CompareTo(c) >= 0 && v.CompareTo(upperOfPartial) < 0;

        return op switch
        {
            "" or "=" or "==" => inPartial,
            "!=" => !inPartial,
            ">" => parts == 3 ? v.CompareTo(c) > 0 : v.CompareTo(upperOfPartial) >= 0,
            ">=" or "=>" => v.CompareTo(c) >= 0,
            "<" => v.CompareTo(c) < 0,
            "<=" or "=<" => parts == 3 ? v.CompareTo(c) <= 0 : v.CompareTo(upperOfPartial) < 0,
            "~" or "~>" => v.CompareTo(c) >= 0 && v.CompareTo(parts <= 1 ? new Version(c.Major + 1, 0, 0, "") : new Version(c.Major, c.Minor + 1, 0, "")) < 0,
            "^" => v.CompareTo(c) >= 0 && v.CompareTo(CaretUpper(c, parts)) < 0,
            _ => throw new ExprException($"invalid semver constraint {constraint}"),
        };
    }

    private static Version CaretUpper(Version c, int parts)
    {
        if (c.Major > 0 || parts == 1)
        {
            return new Version(c.Major + 1, 0, 0, "");
        }

        if (c.Minor > 0 || parts == 2)
        {
            return new Version(0, c.Minor + 1, 0, "");
        }

        return new Version(0, 0, c.Patch + 1, "");
    }

    /// <summary>Parses <c>v1.2.3-pre+meta</c>; <paramref name="parts"/> counts the numeric parts given (x/* end the count).</summary>
    private static bool TryParse(string s, out Version version, out int parts)
    {
        version = default;
        parts = 0;
        s = s.Trim();
        if (s.StartsWith('v') || s.StartsWith('V'))
        {
            s = s[1..];
        }

        var plus = s.IndexOf('+', StringComparison.Ordinal);
        if (plus >= 0)
        {
            s = s[..plus];
        }

        var pre = "";
        var dash = s.IndexOf('-', StringComparison.Ordinal);
        if (dash >= 0)
        {
            pre = s[(dash + 1)..];
            s = s[..dash];
        }

        var numbers = new long[3];
        var fields = s.Split('.');
        if (fields.Length > 3 || s.Length == 0)
        {
            return false;
        }

        foreach (var field in fields)
        {
            if (field is "x" or "X" or "*")
            {
                break;
            }

            if (!long.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out numbers[parts]))
            {
                return false;
            }

            parts++;
        }

        version = new Version(numbers[0], numbers[1], numbers[2], pre);
        return true;
    }

    private readonly record struct Version(long Major, long Minor, long Patch, string Pre) : IComparable<Version>
    {
        public int CompareTo(Version other)
        {
            var c = Major.CompareTo(other.Major);
            if (c == 0)
            {
                c = Minor.CompareTo(other.Minor);
            }

            if (c == 0)
            {
                c = Patch.CompareTo(other.Patch);
            }

            if (c != 0)
            {
                return c;
            }

            // A pre-release sorts before its release.
            if (Pre.Length == 0 || other.Pre.Length == 0)
            {
                return Pre.Length == other.Pre.Length ? 0 : Pre.Length == 0 ? 1 : -1;
            }

            return ComparePre(Pre, other.Pre);
        }

        private static int ComparePre(string a, string b)
        {
            var pa = a.Split('.');
            var pb = b.Split('.');
            for (var i = 0; i < Math.Min(pa.Length, pb.Length); i++)
            {
                var na = long.TryParse(pa[i], NumberStyles.None, CultureInfo.InvariantCulture, out var ia);
                var nb = long.TryParse(pb[i], NumberStyles.None, CultureInfo.InvariantCulture, out var ib);
                var c = (na, nb) switch
                {
                    (true, true) => ia.CompareTo(ib),
                    (true, false) => -1,
                    (false, true) => 1,
                    _ => string.CompareOrdinal(pa[i], pb[i]),
                };
                if (c != 0)
                {
                    return c;
                }
            }

            return pa.Length.CompareTo(pb.Length);
        }
    }
}
