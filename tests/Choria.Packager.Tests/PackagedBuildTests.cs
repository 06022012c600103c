using System.Diagnostics;
using Xunit.Abstractions;

namespace Choria.Packager.Tests;

/// <summary>
/// The orch build for real (docs/packaging.md): in a copy of this checkout the packager compiles linux-x64 and
/// linux-arm64 Native AOT binaries with TLS and Secure off and packages them; the binaries and the deb are run.
/// Minutes of compiling: the packaging group, a background job of test.sh.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Process)]
[Trait(TestCategory.Group, TestCategory.Packaging)]
public sealed class PackagedBuildTests(PackagedBuildTests.OrchBuild build, ITestOutputHelper output) : IClassFixture<PackagedBuildTests.OrchBuild>
{
    private const string Sha = "0e20674";
    private const string Installed = "/usr/local/acme/orch/bin/acme-orch";
    private const string InstalledConfig = "/usr/local/acme/orch/etc/server.conf";

    /// <summary>One packager run for the class: the x64 and arm64 debs and the el9 rpm, binaries extracted from the debs.</summary>
    public sealed class OrchBuild : IAsyncLifetime
    {
        public string Dir { get; } = Directory.CreateTempSubdirectory("choria-orch-").FullName;

        public string Artifacts => Path.Combine(Dir, "out");

        public string X64 => Path.Combine(Dir, "x64", Installed.TrimStart('/'));

        public string Arm64 => Path.Combine(Dir, "arm64", Installed.TrimStart('/'));

        public TimeSpan BuildTime { get; private set; }

        public List<string> Log { get; } = [];

        public async Task InitializeAsync()
        {
            var clone = Path.Combine(Dir, "clone");
            await Checkout.CopyAsync(clone);
            // A developer may hand in binaries built before (by output name) to check the packages quickly.
            var cache = Environment.GetEnvironmentVariable("CHORIA_PACKAGING_CACHE");
            var options = new PackagerOptions(clone, "orch", "1.0.0acme", Sha, ["debian_64", "debian_aarch64", "el9_64"], false, Artifacts,
                string.IsNullOrEmpty(cache) ? null : cache, TimeProvider.System)
            {
                SpecFile = Path.Combine(clone, "tests", "fixtures", "packaging", "buildspec.yaml"),
            };
            var watch = Stopwatch.StartNew();
            var run = new PackagerRun(options, line =>
            {
                lock (Log)
                {
                    Log.Add(line);
                }
            });
            await run.RunAsync(CancellationToken.None);
            BuildTime = watch.Elapsed;
            foreach (var (deb, dir) in new[] { ("acme-orch_1.0.0acme_amd64.deb", "x64"), ("acme-orch_1.0.0acme_arm64.deb", "arm64") })
            {
                var extracted = await ManagedProcess.RunAsync("dpkg-deb", ["-x", Path.Combine(Artifacts, deb), Path.Combine(Dir, dir)], TimeSpan.FromMinutes(1));
                Assert.True(extracted.ExitCode == 0, extracted.Stderr);
            }
        }

        public Task DisposeAsync()
        {
            Directory.Delete(Dir, recursive: true);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task The_binary_shows_its_custom_build_settings()
    {
        output.WriteLine($"packager run (x64 + arm64 AOT, 3 packages): {build.BuildTime.TotalSeconds:F0} s");
        foreach (var f in Directory.GetFiles(build.Artifacts).Append(build.X64).Append(build.Arm64))
        {
            output.WriteLine($"{Path.GetFileName(f)}: {new FileInfo(f).Length} bytes");
        }

        var info = await ManagedProcess.RunAsync(build.X64, ["buildinfo"], TimeSpan.FromSeconds(30));
        Assert.True(info.ExitCode == 0, info.Stderr);
        foreach (var line in new[] { "Version: 1.0.0acme\n", $"Git SHA: {Sha}\n", "  TLS: false\n", "x509 Security: false\n", "Maximum Network Clients: 50000\n", "\nNOTE: " })
        {
            Assert.Contains(line, info.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Each_binary_fits_its_target()
    {
        Assert.True(Glibc.Required(build.X64) <= Glibc.Floors["el9"], $"x64 needs glibc {Glibc.Required(build.X64)}");
        var header = new byte[20];
        await using (var arm = File.OpenRead(build.Arm64))
        {
            await arm.ReadExactlyAsync(header);
        }

        // ELF e_machine 0xB7: ARM aarch64.
        Assert.Equal((byte)0xB7, header[18]);
        var arch = await ManagedProcess.RunAsync("dpkg-deb", ["-f", Path.Combine(build.Artifacts, "acme-orch_1.0.0acme_arm64.deb"), "Architecture"], TimeSpan.FromSeconds(30));
        Assert.Equal("arm64", arch.Stdout.Trim());
    }

    /// <summary>
    /// buildinfo only: a ping needs .NET's crypto, which loads the arm64 libssl, and Debian's cross packages have none
    /// (qemu aborts with "No usable version of libssl was found"); that needs the arm64 architecture added to apt.
    /// </summary>
    [Fact]
    public async Task The_arm64_binary_runs_buildinfo_under_qemu()
    {
        var info = await ManagedProcess.RunAsync("qemu-aarch64", ["-L", "/usr/aarch64-linux-gnu", build.Arm64, "buildinfo"], TimeSpan.FromMinutes(1));
        Assert.True(info.ExitCode == 0, info.Stderr);
        Assert.Contains("Version: 1.0.0acme\n", info.Stdout, StringComparison.Ordinal);
        Assert.Contains("Runtime: linux-arm64\n", info.Stdout, StringComparison.Ordinal);
        Assert.Contains("  TLS: false\n", info.Stdout, StringComparison.Ordinal);
    }

    [RootFact]
    public async Task The_deb_installs_runs_upgrades_keeping_changed_config_and_purges()
    {
        var dir = Directory.CreateDirectory(Path.Combine(build.Dir, "dpkg")).FullName;
        try
        {
            await Dpkg("-i", Path.Combine(build.Artifacts, "acme-orch_1.0.0acme_amd64.deb"));
            Assert.True(File.Exists(Installed));
            Assert.True(File.Exists("/lib/systemd/system/acme-orch-server.service"));
            var info = await ManagedProcess.RunAsync(Installed, ["buildinfo"], TimeSpan.FromSeconds(30));
            Assert.Contains("  TLS: false\n", info.Stdout, StringComparison.Ordinal);
            Assert.Contains("Version: 1.0.0acme\n", info.Stdout, StringComparison.Ordinal);

            // The admin points the packaged server.conf at the broker; the server runs from it and answers ping.
            await using var nats = await NatsServerProcess.StartAsync();
            var log = Path.Combine(dir, "server.log");
            await File.AppendAllTextAsync(InstalledConfig, $"identity = deb.example.net\nplugin.choria.middleware_hosts = {nats.HostPort}\nlogfile = {log}\n");
            await using (var server = ManagedProcess.Start(Installed, ["server", "run", "--config", InstalledConfig]))
            {
                var ping = await PingAsync(Installed, [], dir, nats.HostPort, "deb.example.net");
                Assert.Contains("deb.example.net", ping, StringComparison.Ordinal);
            }

            // A newer package (same binary, next version) keeps the changed server.conf.
            var cache = Directory.CreateDirectory(Path.Combine(dir, "cache")).FullName;
            File.Copy(build.X64, Path.Combine(cache, "acme-orch-1.0.1acme-linux-amd64"));
            var upgrade = Path.Combine(dir, "upgrade");
            var run = new PackagerRun(BuildSpecTests.Options(upgrade, TestPaths.Fixture("packaging", "buildspec.yaml"), ["debian_64"], "1.0.1acme", cache), _ => { });
            await run.RunAsync(CancellationToken.None);
            await Dpkg("-i", Path.Combine(upgrade, "acme-orch_1.0.1acme_amd64.deb"));
            Assert.Contains("1.0.1acme", await Dpkg("-s", "acme-orch"), StringComparison.Ordinal);
            Assert.Contains("identity = deb.example.net\n", await File.ReadAllTextAsync(InstalledConfig), StringComparison.Ordinal);

            await Dpkg("--purge", "acme-orch");
            foreach (var path in new[] { Installed, InstalledConfig, "/usr/local/acme/orch/etc/broker.conf", "/lib/systemd/system/acme-orch-server.service", "/lib/systemd/system/acme-orch-broker.service", "/etc/logrotate.d/acme-orch", "/etc/systemd/system/multi-user.target.wants/acme-orch-server.service" })
            {
                Assert.False(File.Exists(path), path + " survived the purge");
            }
        }
        finally
        {
            await ManagedProcess.RunAsync("dpkg", ["--purge", "acme-orch"], TimeSpan.FromMinutes(1));
        }
    }

    private static async Task<string> Dpkg(params string[] args)
    {
        var result = await ManagedProcess.RunAsync("dpkg", args, TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, $"dpkg {string.Join(' ', args)}: {result.Stdout}{result.Stderr}");
        return result.Stdout;
    }

    /// <summary>Pings until <paramref name="identity"/> answers (the server needs a moment to subscribe), for up to a minute.</summary>
    private static async Task<string> PingAsync(string file, string[] prefix, string dir, string broker, string identity)
    {
        var config = Path.Combine(dir, "client.conf");
        await File.WriteAllTextAsync(config, $"identity = cli.example.net\nplugin.choria.middleware_hosts = {broker}\nplugin.choria.use_srv = false\nplugin.security.provider = file\nloglevel = warn\n");
        var env = new Dictionary<string, string> { ["HOME"] = dir, ["MCOLLECTIVE_CERTNAME"] = "cli.example.net" };
        var last = "";
        for (var deadline = DateTime.UtcNow.AddMinutes(1); DateTime.UtcNow < deadline;)
        {
            var ping = await ManagedProcess.RunAsync(file, [.. prefix, "ping", "--names", "-t", "3", "--config", config], TimeSpan.FromSeconds(60), env);
            last = ping.Stdout + ping.Stderr;
            if (ping.ExitCode == 0 && ping.Stdout.Contains(identity, StringComparison.Ordinal))
            {
                return ping.Stdout;
            }

            await Task.Delay(1000);
        }

        return last;
    }
}
