namespace Choria.Protocol.Filters;

/// <summary>
/// Class, agent and identity needles: <c>/re/</c> is an unanchored regex search, anything else
/// an exact case-sensitive comparison (docs/protocol.md).
/// </summary>
public static class NeedleMatcher
{
    /// <summary>True when <paramref name="needle"/> matches <paramref name="candidate"/>.</summary>
    public static bool Matches(string needle, string candidate)
    {
        // Lists deserialised from the wire may hold nulls; they match nothing.
        if (needle is null || candidate is null)
        {
            return false;
        }

        if (IsRegex(needle))
        {
            return RegexCache.IsMatch(Pattern(needle), candidate);
        }

        return string.Equals(needle, candidate, StringComparison.Ordinal);
    }

    /// <summary>True when <paramref name="needle"/> matches any of <paramref name="candidates"/>.</summary>
    public static bool MatchesAny(string needle, IReadOnlyList<string> candidates)
    {
        if (needle is null || candidates is null)
        {
            return false;
        }

        if (IsRegex(needle))
        {
            var pattern = Pattern(needle);
            foreach (var candidate in candidates)
            {
                if (candidate is not null && RegexCache.IsMatch(pattern, candidate))
                {
                    return true;
                }
            }

            return false;
        }

        foreach (var candidate in candidates)
        {
            if (string.Equals(needle, candidate, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>AND semantics (classes, agents): every needle matches some candidate.</summary>
    public static bool AllMatch(IReadOnlyList<string> needles, IReadOnlyList<string> candidates)
    {
        foreach (var needle in needles)
        {
            if (!MatchesAny(needle, candidates))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>OR semantics (identity): any needle matching the value is enough.</summary>
    public static bool AnyMatch(IReadOnlyList<string> needles, string value)
    {
        foreach (var needle in needles)
        {
            if (Matches(needle, value))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsRegex(string needle) => needle.Length >= 1 && needle[0] == '/' && needle[^1] == '/';

    // A lone "/" both starts and ends with a slash; Go strips it to the empty pattern, which matches all.
    private static string Pattern(string needle) => needle.Length >= 2 ? needle[1..^1] : "";
}
