namespace Choria.IntegrationTests.Provisioning;

/// <summary>
/// A <c>choria</c> built with provisioning build settings: its <c>ProvisionJWTFile</c> is <see cref="JwtFile"/>, which
/// the test writes, so the JWT decides the brokers (the test's free port), the token and provisioning by default.
/// Built once per run with <c>dotnet build</c> through <c>scripts/build-settings.sh</c>, the entry point every custom
/// build uses (docs/building.md); framework dependent, as a Native AOT build would take minutes.
/// </summary>
public static class ProvisioningBinary
{
    private static readonly SemaphoreSlim s_lock = new(1, 1);
    private static string? s_path;

    public static string Directory => Path.Combine(TestPaths.RepoRoot, "artifacts", "provisioning-test");

    public static string JwtFile => Path.Combine(Directory, "provisioning.jwt");

    public static async Task<string> BuildAsync()
    {
        await s_lock.WaitAsync();
        try
        {
            if (s_path is not null)
            {
                return s_path;
            }

            System.IO.Directory.CreateDirectory(Directory);
            var settings = Path.Combine(Directory, "BuildDefaults.g.cs");
            var generated = await ManagedProcess.RunAsync("bash", [Path.Combine(TestPaths.RepoRoot, "scripts", "build-settings.sh"), $"ProvisionJWTFile={JwtFile}"], TimeSpan.FromMinutes(1));
            Assert.True(generated.ExitCode == 0, generated.Stderr);
            await File.WriteAllTextAsync(settings, generated.Stdout + "\n");

            var build = await ManagedProcess.RunAsync("dotnet",
                ["build", Path.Combine(TestPaths.RepoRoot, "src", "Choria.Cli"), "-c", "Release", "--artifacts-path", Path.Combine(Directory, "build"),
                 $"-p:ChoriaBuildSettingsFile={settings}", "-v", "q", "-nologo"],
                TimeSpan.FromMinutes(20));
            Assert.True(build.ExitCode == 0, build.Stdout + build.Stderr);
            s_path = Path.Combine(Directory, "build", "bin", "Choria.Cli", "release", "choria");
            Assert.True(File.Exists(s_path), $"the provisioning build did not produce {s_path}");
            return s_path;
        }
        finally
        {
            s_lock.Release();
        }
    }
}
