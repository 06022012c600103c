using System.Text.RegularExpressions;

namespace Choria.Security;

/// <summary>
/// A list of allow-list / privileged-user patterns. Go treats every item as an RE2 regex with
/// <c>/re/</c> slashes removed and matching unanchored; invalid items never match.
/// </summary>
internal sealed class PatternList
{
    private readonly Regex[] _patterns;

    // The interpreted regexes cost more than the rest of a cached request's checks together.
    private readonly BoundedMemo<bool> _seen;

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
        _seen = new BoundedMemo<bool>(1024, Evaluate);
    }

    public bool Matches(string name) => _seen.Get(name);

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
