namespace Choria.Testing;

/// <summary>
/// The fleet emulator of <c>bench/Choria.Emulator</c> (N real server instances in one process): <c>CHORIA_EMULATOR</c>,
/// else its build output next to the test's own configuration (the integration tests reference the project, so a
/// test build builds it).
/// </summary>
public static class EmulatorBinary
{
    public static string Path
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable("CHORIA_EMULATOR");
            if (!string.IsNullOrEmpty(configured))
            {
                return configured;
            }

            // The test runs from tests/<project>/bin/<Configuration>/<tfm>/.
            var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
            var configuration = tfm.Parent?.Name ?? "Release";
            var path = System.IO.Path.Combine(TestPaths.RepoRoot, "bench", "Choria.Emulator", "bin", configuration, tfm.Name, "Choria.Emulator");
            return File.Exists(path)
                ? path
                : throw new InvalidOperationException($"The fleet emulator was not found at {path}. Build it with `dotnet build bench/Choria.Emulator -c {configuration}` (or set CHORIA_EMULATOR).");
        }
    }
}
