using System.Text;
using System.Text.RegularExpressions;

namespace Choria.Packager;

/// <summary>
/// The glibc floor check: a Native AOT binary needs the glibc of its build host (2.34 from Debian 12), a single-file
/// one 2.27. A package for a dist with an older glibc would install a binary that does not start, so it is refused.
/// </summary>
public static partial class Glibc
{
    /// <summary>glibc of each dist a package may name (its <c>dist</c> property, else its name before the first <c>_</c>).</summary>
    public static IReadOnlyDictionary<string, Version> Floors { get; } = new Dictionary<string, Version>(StringComparer.Ordinal)
    {
        ["el5"] = new(2, 5),
        ["el6"] = new(2, 12),
        ["el7"] = new(2, 17),
        ["el8"] = new(2, 28),
        ["el9"] = new(2, 34),
        ["el10"] = new(2, 39),
        ["stretch"] = new(2, 24),
        ["buster"] = new(2, 28),
        ["bullseye"] = new(2, 31),
        ["bookworm"] = new(2, 36),
        ["trixie"] = new(2, 41),
        ["debian11"] = new(2, 31),
        ["debian12"] = new(2, 36),
        ["xenial"] = new(2, 23),
        ["bionic"] = new(2, 27),
        ["focal"] = new(2, 31),
        ["jammy"] = new(2, 35),
        ["noble"] = new(2, 39),
        ["ubuntu2204"] = new(2, 35),
        ["ubuntu2404"] = new(2, 39),
    };

    public static string? DistOf(PackageSpec package)
    {
        var dist = package.Get("dist");
        if (!string.IsNullOrEmpty(dist) && Floors.ContainsKey(dist))
        {
            return dist;
        }

        var prefix = package.Name.Split('_')[0];
        return Floors.ContainsKey(prefix) ? prefix : null;
    }

    /// <summary>The highest <c>GLIBC_x.y</c> symbol version an ELF file asks for; null for anything else (a PE, a static binary).</summary>
    public static Version? Required(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 4 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
        {
            return null;
        }

        // The version names sit in .dynstr as plain text; Latin1 maps bytes 1:1, so the scan cannot miss one.
        Version? max = null;
        foreach (Match m in GlibcVersion().Matches(Encoding.Latin1.GetString(bytes)))
        {
            var v = Version.Parse(m.Groups[1].Value);
            if (max is null || v > max)
            {
                max = v;
            }
        }

        return max;
    }

    public static void Check(string binary, PackageSpec package, Action<string> warn)
    {
        var required = Required(binary);
        if (required is null)
        {
            return;
        }

        var dist = DistOf(package);
        if (dist is null)
        {
            warn($"package {package.Name}: no known dist (set dist to one of {string.Join(", ", Floors.Keys)}); glibc {required} needed by the binary is not checked");
            return;
        }

        if (required > Floors[dist])
        {
            throw new PackagerException(
                $"package {package.Name}: the binary needs glibc {required} but {dist} has {Floors[dist]}; it would not start there. " +
                "Build that target with publish: singlefile (needs glibc 2.27) or drop the package");
        }
    }

    [GeneratedRegex(@"GLIBC_([0-9]+\.[0-9]+(?:\.[0-9]+)?)\x00")]
    private static partial Regex GlibcVersion();
}
