using System.Security.Cryptography;
using System.Text;

namespace Choria.Fuzz;

/// <summary>The seed corpus of a target: its fixture files (wire captures, messages, DDLs, ...) and hand-written seeds.</summary>
public static class FuzzSeeds
{
    /// <summary>Seeds named by content hash, so the same input from two places is one seed.</summary>
    public static IEnumerable<(string Name, byte[] Content)> For(FuzzTarget target, string fixturesRoot)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var content in Contents(target, fixturesRoot))
        {
            var name = Convert.ToHexStringLower(SHA256.HashData(content))[..16];
            if (seen.Add(name))
            {
                yield return (name, content);
            }
        }
    }

    private static IEnumerable<byte[]> Contents(FuzzTarget target, string fixturesRoot)
    {
        foreach (var seed in target.Seeds)
        {
            var path = Path.GetFullPath(Path.Combine(fixturesRoot, seed));
            var files = Directory.Exists(path) ? Directory.GetFiles(path).Order(StringComparer.Ordinal).ToArray() : [path];
            foreach (var file in files)
            {
                // Large traces and logs only slow the fuzzer down; afl-fuzz wants small seeds.
                if (new FileInfo(file).Length is > 0 and <= 64 * 1024 && !file.EndsWith(".log", StringComparison.Ordinal))
                {
                    yield return File.ReadAllBytes(file);
                }
            }
        }

        foreach (var seed in target.ExtraSeeds ?? [])
        {
            yield return Encoding.UTF8.GetBytes(seed);
        }
    }
}
