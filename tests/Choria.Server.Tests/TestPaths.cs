namespace Choria.Server.Tests;

internal static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    public static string Fixtures(params string[] parts) => Path.Combine([SharedRoot, "fixtures", .. parts]);

    /// <summary>
    /// <c>&lt;root&gt;/../shared</c> as in CI; worktrees nested one level deeper find it further up.
    /// </summary>
    private static string SharedRoot { get; } = FindShared();

    private static string FindShared()
    {
        for (var dir = Directory.GetParent(RepoRoot); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "fixtures")))
            {
                return candidate;
            }
        }

        return Path.Combine(RepoRoot, "..", "shared");
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Choria.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Choria.slnx not found above " + AppContext.BaseDirectory);
    }
}
