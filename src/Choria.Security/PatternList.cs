using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Choria.Security;

/// <summary>
/// A list of allow-list / privileged-user patterns. Go treats every item as an RE2 regex with
/// <c>/re/</c> slashes removed and matching unanchored; invalid items never match.
/// </summary>
internal sealed class PatternList
{
    private readonly Regex[] _patterns;

    public PatternList(IEnumerable<string> patterns)
    {
        var compiled = new List<Regex>();
        foreach (var raw in patterns)
        {
            var pattern = raw.Trim();
            if (pattern.Length >= 2 && pattern[0] == '/' && pattern[^1] == '/')
            {
                pattern = pattern[1..^1];
            }

            if (pattern.Length == 0)
            {
                continue;
            }

            try
            {
                compiled.Add(new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));
            }
            catch (ArgumentException)
            {
                // Go logs and skips a pattern that does not compile; it can never match.
            }
        }

        _patterns = [.. compiled];
    }

    // Every request asks about the same few certnames; the interpreted regexes cost more than the rest of a cached
    // request's checks. Bounded because callerids are the sender's choice.
    private const int RememberedNames = 1024;
    private readonly ConcurrentDictionary<string, bool> _seen = new(StringComparer.Ordinal);

    public bool Matches(string name)
    {
        if (_seen.TryGetValue(name, out var matched))
        {
            return matched;
        }

        matched = Evaluate(name);
        if (_seen.Count >= RememberedNames)
        {
            _seen.Clear();
        }

        _seen[name] = matched;
        return matched;
    }

    private bool Evaluate(string name)
    {
        foreach (var pattern in _patterns)
        {
            try
            {
                if (pattern.IsMatch(name))
                {
                    return true;
                }
            }
            catch (RegexMatchTimeoutException)
            {
                // A pathological pattern must not stall request handling: treat as no match.
            }
        }

        return false;
    }
}
