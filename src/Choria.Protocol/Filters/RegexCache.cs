using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Choria.Protocol.Filters;

/// <summary>
/// Compiled-regex cache shared by all filter evaluation: the same needles arrive on every request,
/// and constructing a Regex per request would dominate matching cost. Invalid patterns are cached
/// too (as null) so a bad needle is not re-parsed on every message.
/// </summary>
internal static class RegexCache
{
    private const int MaxEntries = 1024;
    private static readonly ConcurrentDictionary<string, Regex?> s_cache = new(StringComparer.Ordinal);

    public static Regex? Get(string pattern)
    {
        if (s_cache.TryGetValue(pattern, out var cached))
        {
            return cached;
        }

        Regex? regex;
        try
        {
            // NonBacktracking gives RE2's guarantees: linear time, and the constructs RE2 rejects
            // (lookaround, backreferences) fail to compile here too, so they never match. Linear time is the
            // protection against hostile needles; a wall-clock match timeout on top made a filter's answer depend
            // on how busy the node was (a loaded node missed matches).
            regex = new Regex(Re2Translator.Translate(pattern), RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, Regex.InfiniteMatchTimeout);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            regex = null;
        }

        // Crude but safe bound: hostile or very varied needles cannot grow the cache without limit.
        if (s_cache.Count >= MaxEntries)
        {
            s_cache.Clear();
        }

        s_cache.TryAdd(pattern, regex);
        return regex;
    }

    /// <summary>Unanchored search; invalid patterns count as no match.</summary>
    public static bool IsMatch(string pattern, string input)
    {
        var regex = Get(pattern);
        return regex is not null && regex.IsMatch(input);
    }

    /// <summary>Like <see cref="IsMatch"/> but tells an unusable pattern apart from a miss.</summary>
    public static bool TryMatch(string pattern, string input, out bool matched)
    {
        matched = false;
        var regex = Get(pattern);
        if (regex is null)
        {
            return false;
        }

        matched = regex.IsMatch(input);
        return true;
    }
}
