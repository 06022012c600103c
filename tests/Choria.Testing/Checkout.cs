namespace Choria.Testing;

/// <summary>Copies of this checkout for tests that run whole builds (./build.sh, the packager) without touching it.</summary>
public static class Checkout
{
    /// <summary>Copies every tracked and untracked-but-not-ignored file of the repository to <paramref name="target"/>.</summary>
    public static async Task CopyAsync(string target)
    {
        var root = TestPaths.RepoRoot;
        var files = await ManagedProcess.RunAsync("git", ["-C", root, "ls-files", "--cached", "--others", "--exclude-standard"], TimeSpan.FromSeconds(60));
        if (files.ExitCode != 0)
        {
            throw new InvalidOperationException("git ls-files failed: " + files.Stderr);
        }

        foreach (var file in files.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var from = Path.Combine(root, file);
            if (!File.Exists(from))
            {
                continue;
            }

            var to = Path.Combine(target, file);
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(from, to);
            if (OperatingSystem.IsLinux())
            {
                File.SetUnixFileMode(to, File.GetUnixFileMode(from));
            }
        }
    }
}
