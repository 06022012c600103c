namespace Choria.Testing;

/// <summary>The real <c>choria</c> executable under test: <c>CHORIA_BIN</c>, else <c>&lt;repo&gt;/dist/choria</c>.</summary>
public static class ChoriaBinary
{
    public static string Path
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable("CHORIA_BIN");
            var path = string.IsNullOrEmpty(configured) ? System.IO.Path.Combine(TestPaths.RepoRoot, "dist", "choria") : configured;
            if (!File.Exists(path))
            {
                throw new InvalidOperationException(
                    $"The choria binary was not found at {path}. Run ./build.sh in the repository root first (or set CHORIA_BIN).");
            }

            return path;
        }
    }
}
