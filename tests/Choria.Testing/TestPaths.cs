namespace Choria.Testing;

public static class TestPaths
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

        // CI clones the repo next to shared/; a git worktree sits one level deeper, so keep looking up.
        for (var candidate = dir.Parent; candidate is not null; candidate = candidate.Parent)
        {
            var fixtures = Path.Combine(candidate.FullName, "shared", "fixtures");
            if (Directory.Exists(fixtures))
            {
                return fixtures;
            }
        }

        throw new InvalidOperationException($"shared/fixtures not found next to {dir.FullName} or above");
    });

    public static string Fixture(params string[] parts) => Path.Combine([_fixtures.Value, .. parts]);

    public static string Message(string name) => File.ReadAllText(Fixture("protocol", "messages", name));

    public static byte[] MessageBytes(string name) => File.ReadAllBytes(Fixture("protocol", "messages", name));
}
