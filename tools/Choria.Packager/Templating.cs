using System.Globalization;
using System.Text;

namespace Choria.Packager;

/// <summary>
/// The two substitutions of the 2020 packager: output names (<c>{{version}}</c>, <c>{{os}}</c>, ...) and package
/// files (<c>{{cpkg_KEY}}</c>). Plain string replacement: anything else, an unknown placeholder included, stays verbatim.
/// </summary>
public static class Templating
{
    public static string OutputName(string template, CompileTarget target, string version, string sha)
    {
        var pairs = new (string Key, string Value)[]
        {
            ("version", version), ("os", target.Os), ("arch", target.Arch), ("sha", sha), ("arm", target.Arm ?? ""),
        };
        var result = template;
        foreach (var (key, value) in pairs)
        {
            result = result.Replace("{{" + key + "}}", value.ToLowerInvariant(), StringComparison.Ordinal)
                .Replace("{{" + key.ToUpperInvariant() + "}}", value.ToUpperInvariant(), StringComparison.Ordinal);
        }

        return result;
    }

    /// <summary>
    /// Replaces engine variables first, then the package's own keys, so a package key cannot override an engine
    /// variable of the same name (<c>cpkg_version</c>, <c>cpkg_binary</c>, ...).
    /// </summary>
    public static string Package(string text, IReadOnlyDictionary<string, string> engine, IReadOnlyDictionary<string, string> properties)
    {
        var sb = new StringBuilder(text);
        foreach (var (key, value) in engine)
        {
            sb.Replace("{{cpkg_" + key + "}}", value);
        }

        foreach (var (key, value) in properties)
        {
            sb.Replace("{{cpkg_" + key + "}}", value);
        }

        return sb.ToString();
    }

    /// <summary>rpm forbids <c>-</c> in Version: the first one becomes <c>~</c> (sorts before the plain version).</summary>
    public static string RpmVersion(string version)
    {
        var dash = version.IndexOf('-', StringComparison.Ordinal);
        return dash < 0 ? version : string.Concat(version.AsSpan(0, dash), "~", version.AsSpan(dash + 1));
    }

    /// <summary>The RFC 2822 date of Debian changelogs: <c>Sat, 04 Jan 2020 10:00:00 +0000</c>.</summary>
    public static string Rfc2822(DateTimeOffset when) =>
        when.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);
}
