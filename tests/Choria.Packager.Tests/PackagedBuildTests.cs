using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace Choria.Packager.Tests;

/// <summary>
/// The orch build for real (docs/packaging.md): in a copy of this checkout the packager first builds every compile
/// target with <c>--binary-only</c> (linux-x64 and linux-arm64 Native AOT, win-x64 single file, TLS and Secure off),
/// then packages the linux ones from those binaries (<c>BUILD_CACHE</c>), so each target is compiled once; the
/// binaries and the deb are run. Minutes of compiling: the packaging group, a background lane of test.sh.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Process)]
[Trait(TestCategory.Group, TestCategory.Packaging)]
public sealed class PackagedBuildTests(PackagedBuildTests.OrchBuild build, ITestOutputHelper output) : IClassFixture<PackagedBuildTests.OrchBuild>
{
    private const string Sha = "0e20674";
    private const string Version = "1.0.0acme";
    private const string Installed = "/usr/local/acme/orch/bin/acme-orch";
    private const string InstalledConfig = "/usr/local/acme/orch/etc/server.conf";

    /// <summary>
    /// Two packager runs for the class: <c>--binary-only</c> for every target, then the x64 and arm64 debs and the el9
    /// rpm from those binaries; the debs' trees are extracted.
    /// </summary>
    public sealed class OrchBuild : IAsyncLifetime
    {
        public string Dir { get; } = Directory.CreateTempSubdirectory("choria-orch-").FullName;

        /// <summary>What <c>--binary-only</c> left.</summary>
        public string Binaries => Path.Combine(Dir, "binaries");

        public string Artifacts => Path.Combine(Dir, "out");

        public string X64 => Path.Combine(Dir, "x64", Installed.TrimStart('/'));

        public string X64Config => Path.Combine(Dir, "x64", InstalledConfig.TrimStart('/'));

        public string Arm64 => Path.Combine(Dir, "arm64", Installed.TrimStart('/'));

        public string Windows => Path.Combine(Binaries, $"acme-orch-{Version}-windows-amd64.exe");

        public TimeSpan BinaryTime { get; private set; }

        public TimeSpan PackageTime { get; private set; }

        public List<string> Log { get; } = [];

        public IReadOnlyList<string> BinaryArtifacts { get; private set; } = [];

        /// <summary>Where the package run's lines start in <see cref="Log"/>.</summary>
        public int PackageLogStart { get; private set; }

        public async Task InitializeAsync()
        {
            var clone = Path.Combine(Dir, "clone");
            await Checkout.CopyAsync(clone);
            var spec = Path.Combine(clone, "tests", "fixtures", "packaging", "buildspec.yaml");
            // A developer may hand in binaries built before (by output name) to check the rest quickly.
            var cache = Environment.GetEnvironmentVariable("CHORIA_PACKAGING_CACHE");
            var watch = Stopwatch.StartNew();
            var binaries = await RunAsync(new PackagerOptions(clone, "orch", Version, Sha, [], true, Binaries, string.IsNullOrEmpty(cache) ? null : cache, TimeProvider.System) { SpecFile = spec });
            BinaryTime = watch.Elapsed;
            BinaryArtifacts = binaries.Artifacts;
            watch.Restart();
            PackageLogStart = Log.Count;
            await RunAsync(new PackagerOptions(clone, "orch", Version, Sha, ["debian_64", "debian_aarch64", "el9_64"], false, Artifacts, Binaries, TimeProvider.System) { SpecFile = spec });
            PackageTime = watch.Elapsed;
            foreach (var (deb, dir) in new[] { ($"acme-orch_{Version}_amd64.deb", "x64"), ($"acme-orch_{Version}_arm64.deb", "arm64") })
            {
                var extracted = await ManagedProcess.RunAsync("dpkg-deb", ["-x", Path.Combine(Artifacts, deb), Path.Combine(Dir, dir)], TimeSpan.FromMinutes(1));
                Assert.True(extracted.ExitCode == 0, extracted.Stderr);
            }
        }

        private async Task<PackagerRun> RunAsync(PackagerOptions options)
        {
            var run = new PackagerRun(options, line =>
            {
                lock (Log)
                {
                    Log.Add(line);
                }
            });
            await run.RunAsync(CancellationToken.None);
            return run;
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
        output.WriteLine($"packager --binary-only (x64 + arm64 AOT, win-x64 single file): {build.BinaryTime.TotalSeconds:F0} s; 3 packages from them: {build.PackageTime.TotalSeconds:F0} s");
        foreach (var line in build.Log.Where(l => l.Contains(" took ", StringComparison.Ordinal)))
        {
            output.WriteLine(line);
        }

        foreach (var f in Directory.GetFiles(build.Binaries).Concat(Directory.GetFiles(build.Artifacts)))
        {
            output.WriteLine($"{Path.GetFileName(f)}: {new FileInfo(f).Length} bytes");
        }

        var info = await ManagedProcess.RunAsync(build.X64, ["buildinfo"], TimeSpan.FromSeconds(30));
        Assert.True(info.ExitCode == 0, info.Stderr);
        foreach (var line in new[] { $"Version: {Version}\n", $"Git SHA: {Sha}\n", "  TLS: false\n", "x509 Security: false\n", "Maximum Network Clients: 50000\n", "\nNOTE: " })
        {
            Assert.Contains(line, info.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Binary_only_builds_every_target_and_no_package()
    {
        string[] expected = [$"acme-orch-{Version}-linux-amd64", $"acme-orch-{Version}-linux-arm64", $"acme-orch-{Version}-windows-amd64.exe"];
        Assert.Equal(expected, build.BinaryArtifacts.Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(expected, Directory.GetFiles(build.Binaries).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        // The packages of the second run carry those very binaries: nothing was compiled twice.
        Assert.Equal(File.ReadAllBytes(Path.Combine(build.Binaries, expected[0])), File.ReadAllBytes(build.X64));
        Assert.Equal(File.ReadAllBytes(Path.Combine(build.Binaries, expected[1])), File.ReadAllBytes(build.Arm64));
        Assert.Equal(2, build.Log.Skip(build.PackageLogStart).Count(l => l.Contains("from the build cache", StringComparison.Ordinal)));
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
        var arch = await ManagedProcess.RunAsync("dpkg-deb", ["-f", Path.Combine(build.Artifacts, $"acme-orch_{Version}_arm64.deb"), "Architecture"], TimeSpan.FromSeconds(30));
        Assert.Equal("arm64", arch.Stdout.Trim());
    }

    [Fact]
    public async Task The_arm64_binary_runs_buildinfo_under_qemu()
    {
        var info = await ManagedProcess.RunAsync("qemu-aarch64", ["-L", await Arm64RootAsync(), build.Arm64, "buildinfo"], TimeSpan.FromMinutes(1));
        Assert.True(info.ExitCode == 0, info.Stderr);
        Assert.Contains($"Version: {Version}\n", info.Stdout, StringComparison.Ordinal);
        Assert.Contains("Runtime: linux-arm64\n", info.Stdout, StringComparison.Ordinal);
        Assert.Contains("  TLS: false\n", info.Stdout, StringComparison.Ordinal);
    }

    /// <summary>The arm64 client under qemu pings the x64 server of the same build through a broker on loopback.</summary>
    [Fact]
    public async Task The_arm64_binary_pings_an_x64_server_under_qemu()
    {
        var root = await Arm64RootAsync();
        var dir = Directory.CreateDirectory(Path.Combine(build.Dir, "arm64-ping")).FullName;
        await using var nats = await NatsServerProcess.StartAsync();
        var config = Path.Combine(dir, "server.conf");
        File.Copy(build.X64Config, config);
        await File.AppendAllTextAsync(config, $"identity = x64.example.net\nplugin.choria.middleware_hosts = {nats.HostPort}\nlogfile = {Path.Combine(dir, "server.log")}\n");
        await using var server = ManagedProcess.Start(build.X64, ["server", "run", "--config", config]);
        var ping = await PingAsync("qemu-aarch64", ["-L", root, build.Arm64], dir, nats.HostPort, "x64.example.net");
        Assert.Contains("x64.example.net", ping, StringComparison.Ordinal);
    }

    /// <summary>
    /// A PE32+ console program for x86-64 whose bundled assemblies carry the build's settings (the single-file bundle
    /// is not compressed, so the version and SHA string literals are in the file as UTF-16).
    /// </summary>
    [Fact]
    public void The_windows_exe_is_a_pe_with_the_settings_embedded()
    {
        var exe = File.ReadAllBytes(build.Windows);
        Assert.Equal("MZ"u8.ToArray(), exe[..2]);
        var pe = BitConverter.ToInt32(exe, 0x3C);
        Assert.Equal("PE\0\0"u8.ToArray(), exe[pe..(pe + 4)]);
        Assert.Equal(0x8664, BitConverter.ToUInt16(exe, pe + 4));
        // Optional header magic 0x20B: PE32+; subsystem 3: Windows console.
        Assert.Equal(0x20B, BitConverter.ToUInt16(exe, pe + 24));
        Assert.Equal(3, BitConverter.ToUInt16(exe, pe + 24 + 68));
        foreach (var literal in new[] { Version, Sha })
        {
            Assert.True(exe.AsSpan().IndexOf(Encoding.Unicode.GetBytes(literal)) >= 0, $"{literal} is not in the exe");
        }
    }

    private static async Task<string> Arm64RootAsync()
    {
        // scripts/lib.sh builds it once (the cross C libraries and Debian's arm64 OpenSSL); later calls return at once.
        var root = Path.Combine(TestPaths.RepoRoot, "artifacts", "arm64-root");
        var lib = Path.Combine(TestPaths.RepoRoot, "scripts", "lib.sh");
        var made = await ManagedProcess.RunAsync("bash", ["-c", ". \"$1\" && arm64_sysroot \"$2\"", "arm64_sysroot", lib, root], TimeSpan.FromMinutes(5));
        Assert.True(made.ExitCode == 0, made.Stdout + made.Stderr);
        return root;
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
