using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Choria.Security;

/// <summary>Caller id rules (docs/protocol.md).</summary>
public static partial class CallerId
{
    /// <summary>The caller id a provider with <paramref name="certname"/> puts in its requests.</summary>
    public static string For(string certname) => "choria=" + certname;

    /// <summary>
    /// Extracts the certname the way 2020 Go servers do: any lowercase prefix, then the run of
    /// ASCII word characters, dots and dashes; trailing junk is ignored.
    /// </summary>
    public static bool TryParseCertname(string? callerId, [NotNullWhen(true)] out string? certname)
    {
        certname = null;
        if (string.IsNullOrEmpty(callerId))
        {
            return false;
        }

        var match = CallerIdPattern().Match(callerId);
        if (!match.Success)
        {
            return false;
        }

        certname = match.Groups[1].Value;
        return true;
    }

    // \w is Unicode in .NET; Go's is ASCII, so spell the class out.
    [GeneratedRegex(@"^[a-z]+=([A-Za-z0-9_.\-]+)", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex CallerIdPattern();
}
