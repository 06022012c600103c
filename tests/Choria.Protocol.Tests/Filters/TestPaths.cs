namespace Choria.Protocol.Tests.Filters;

internal static class TestPaths
{
    private static readonly Lazy<string> _fixtures = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Choria.slnx")))
        {
            dir = dir.Parent;
        }

        if (dir is null)
        {
            throw new InvalidOperationException("repository root (Choria.slnx) not found");
        }

        // In CI shared/ sits next to the repository; a git worktree can live one level deeper,
        // so keep walking up until a shared/fixtures directory appears.
        for (var up = dir.Parent; up is not null; up = up.Parent)
        {
            var candidate = Path.Combine(up.FullName, "shared", "fixtures");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return Path.Combine(dir.FullName, "..", "shared", "fixtures");
    });

    public static string Fixture(params string[] parts) => Path.Combine([_fixtures.Value, .. parts]);
}
