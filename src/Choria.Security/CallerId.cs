using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace Choria.Security;

/// <summary>Caller id rules (docs/protocol.md).</summary>
public static class CallerId
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

        // ^[a-z]+=([A-Za-z0-9_.-]+), written out: it runs for every request.
        var prefix = callerId.AsSpan().IndexOfAnyExceptInRange('a', 'z');
        if (prefix <= 0 || callerId[prefix] != '=')
        {
            return false;
        }

        var rest = callerId.AsSpan(prefix + 1);
        var length = rest.IndexOfAnyExcept(s_certnameCharacters);
        if (length < 0)
        {
            length = rest.Length;
        }

        if (length == 0)
        {
            return false;
        }

        certname = callerId.Substring(prefix + 1, length);
        return true;
    }

    // Go's \w is ASCII; .NET's is Unicode, so the class is spelled out.
    private static readonly SearchValues<char> s_certnameCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-");
}
