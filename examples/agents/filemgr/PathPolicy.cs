namespace Choria.Agents.Filemgr;

/// <summary>
/// Where <c>touch</c> and <c>remove</c> may write: <c>plugin.filemgr.allowed_paths</c>, a comma separated list of
/// directory prefixes; unset or empty allows every path. A path is allowed when both its normalised form and the
/// form with every symlink resolved lie inside one prefix, so neither <c>..</c> nor a symlink inside an allowed
/// directory reaches a file outside it.
/// </summary>
public sealed class PathPolicy
{
    private readonly IReadOnlyList<string> _prefixes;

    public PathPolicy(string? allowedPaths)
    {
        _prefixes = [.. (allowedPaths ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => Path.TrimEndingDirectorySeparator(Path.GetFullPath(p)))];
    }

    public IReadOnlyList<string> Prefixes => _prefixes;

    public bool RestrictsPaths => _prefixes.Count > 0;

    /// <summary>True when <paramref name="path"/> (absolute) may be changed.</summary>
    public bool Allows(string path)
    {
        if (!RestrictsPaths)
        {
            return true;
        }

        var full = Path.GetFullPath(path);
        try
        {
            var real = RealPath(full);
            return _prefixes.Any(p => Inside(full, p) && Inside(real, RealPath(p)));
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static bool Inside(string path, string prefix) =>
        prefix == "/" || path == prefix || path.StartsWith(prefix + "/", StringComparison.Ordinal);

    /// <summary>
    /// <paramref name="path"/> with every symlink among its components resolved (as realpath(3) does); components
    /// that do not exist yet are kept as they are, so a file about to be created resolves through its parents.
    /// </summary>
    /// <exception cref="IOException">A chain of more than 40 symlinks (a loop).</exception>
    public static string RealPath(string path) => RealPath(path, 0);

    private static string RealPath(string path, int links)
    {
        var resolved = "/";
        foreach (var part in Path.GetFullPath(path).Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(resolved, part);
            if (new FileInfo(next).LinkTarget is not { } target)
            {
                resolved = next;
                continue;
            }

            // The target may itself pass through links, so it is resolved the same way; 40 is Linux's own limit.
            if (++links > 40)
            {
                throw new IOException($"too many levels of symbolic links in {path}");
            }

            resolved = RealPath(Path.Combine(resolved, target), links);
        }

        return resolved;
    }
}
