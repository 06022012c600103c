namespace Choria.Testing;

/// <summary>
/// Paths inside the repository for tests: its root and the fixtures under <c>tests/fixtures</c>
/// (see tests/fixtures/README.md). Nothing here looks outside the clone.
/// </summary>
public static class TestPaths
{
    private static readonly Lazy<string> s_root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Choria.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root (Choria.slnx) not found above " + AppContext.BaseDirectory);
    });

    /// <summary>The repository root (the folder holding <c>Choria.slnx</c>).</summary>
    public static string RepoRoot => s_root.Value;

    /// <summary>The repository's test fixtures folder, <c>tests/fixtures</c>.</summary>
    public static string FixturesRoot => Path.Combine(RepoRoot, "tests", "fixtures");

    /// <summary>A path under <c>tests/fixtures</c>, e.g. <c>Fixture("wire", "test-ca.pem")</c>.</summary>
    public static string Fixture(params string[] parts) => Path.Combine([FixturesRoot, .. parts]);

    /// <summary>A path under <c>tests/fixtures/protocol</c>.</summary>
    public static string Protocol(params string[] parts) => Fixture(["protocol", .. parts]);

    /// <summary>A path under <c>tests/fixtures/wire</c> (the real Ruby MCollective captures).</summary>
    public static string Wire(params string[] parts) => Fixture(["wire", .. parts]);

    /// <summary>A file of the good test PKI, e.g. <c>Good("certs/ca.pem")</c>.</summary>
    public static string Good(string relative) => Protocol("ssl", "good", relative);

    public static string Message(string name) => File.ReadAllText(Fixture("protocol", "messages", name));

    public static byte[] MessageBytes(string name) => File.ReadAllBytes(Fixture("protocol", "messages", name));
}
