namespace Choria.IntegrationTests.Infrastructure;

internal static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    public static string Fixtures(params string[] parts) => Path.Combine([FindShared(), "fixtures", .. parts]);

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
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Choria.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Choria.slnx not found above " + AppContext.BaseDirectory);
    }
}
