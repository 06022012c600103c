namespace Choria.Packager.Tests;

/// <summary>
/// Real rpmbuild and dpkg-deb packages of the orch build (PK7–PK15), checked with rpm and dpkg-deb. The binary comes
/// from the build cache (the choria binary under test): what is checked here is the package around it; the
/// personalised binary itself is built and run by the packaging group (Choria.IntegrationTests, Group=packaging).
/// </summary>
[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class PackageTests(PackageTests.OrchPackages packages) : IClassFixture<PackageTests.OrchPackages>
{
    private const string Rpm = "acme-orch-1.0.0acme-1.el9.x86_64.rpm";
    private const string Deb = "acme-orch_1.0.0acme_amd64.deb";
    private readonly string _dir = packages.Dir;

    private string Artifacts => Path.Combine(_dir, "out");

    /// <summary>The el9 rpm and amd64 deb, built once for the class.</summary>
    public sealed class OrchPackages : IAsyncLifetime
    {
        public string Dir { get; } = Directory.CreateTempSubdirectory("choria-pkg-").FullName;

        public async Task InitializeAsync()
        {
            var cache = Directory.CreateDirectory(Path.Combine(Dir, "cache")).FullName;
            File.Copy(ChoriaBinary.Path, Path.Combine(cache, "acme-orch-1.0.0acme-linux-amd64"));
            var run = new PackagerRun(BuildSpecTests.Options(Path.Combine(Dir, "out"), TestPaths.Fixture("packaging", "buildspec.yaml"), ["el9_64", "debian_64"], cache: cache), _ => { });
            await run.RunAsync(CancellationToken.None);
        }

        public Task DisposeAsync()
        {
            Directory.Delete(Dir, recursive: true);
            return Task.CompletedTask;
        }
    }

    private static async Task<string> RunAsync(string file, params string[] args)
    {
        var result = await ManagedProcess.RunAsync(file, args, TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, $"{file} {string.Join(' ', args)}: {result.Stderr}");
        return result.Stdout;
    }

    [Fact]
    public async Task The_rpm_holds_exactly_the_personalised_layout_with_its_header()
    {
        var rpm = Path.Combine(Artifacts, Rpm);
        Assert.True(File.Exists(rpm), string.Join(", ", Directory.GetFiles(Artifacts)));
        var files = (await RunAsync("rpm", "-qpl", rpm)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal);
        Assert.Equal(
            [
                "/etc/logrotate.d/acme-orch", "/etc/sysconfig/acme-orch-server",
                "/usr/lib/systemd/system/acme-orch-broker.service", "/usr/lib/systemd/system/acme-orch-server.service",
                "/usr/local/acme/orch/bin/acme-orch", "/usr/local/acme/orch/etc/broker.conf", "/usr/local/acme/orch/etc/server.conf",
            ],
            files);
        var info = await RunAsync("rpm", "-qpi", rpm);
        foreach (var line in new[]
        {
            "Name        : acme-orch", "Version     : 1.0.0acme", "Release     : 1.el9", "Architecture: x86_64",
            "Group       : System Environment/Base", "Packager    : you@example.net", "License     : Apache-2.0",
            "URL         : https://choria.io", "Summary     : The Choria Orchestrator Server",
        })
        {
            Assert.Contains(line + "\n", info, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Rpm_modes_owners_config_files_and_requirements()
    {
        var rpm = Path.Combine(Artifacts, Rpm);
        var modes = (await RunAsync("rpm", "-qplv", rpm)).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(p => p[^1], p => (Mode: p[0], Owner: p[2], Group: p[3]));
        Assert.Equal(7, modes.Count);
        Assert.Equal("-rwxr-xr-x", modes["/usr/local/acme/orch/bin/acme-orch"].Mode);
        Assert.Equal("-rw-r-----", modes["/usr/local/acme/orch/etc/server.conf"].Mode);
        Assert.Equal("-rw-r-----", modes["/usr/local/acme/orch/etc/broker.conf"].Mode);
        Assert.Equal("-rw-r--r--", modes["/usr/lib/systemd/system/acme-orch-server.service"].Mode);
        Assert.Equal("-rw-r--r--", modes["/etc/logrotate.d/acme-orch"].Mode);
        Assert.All(modes.Values, m => Assert.Equal(("root", "root"), (m.Owner, m.Group)));
        var configs = (await RunAsync("rpm", "-qpc", rpm)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal);
        Assert.Equal(["/etc/sysconfig/acme-orch-server", "/usr/local/acme/orch/etc/broker.conf", "/usr/local/acme/orch/etc/server.conf"], configs);
        var requires = await RunAsync("rpm", "-qpR", rpm);
        Assert.DoesNotContain("libc.so", requires, StringComparison.Ordinal);
        Assert.DoesNotContain("GLIBC", requires, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rpm_scriptlets_preset_reload_restart_and_disable_the_personalised_units()
    {
        var scripts = await RunAsync("rpm", "-qp", "--scripts", Path.Combine(Artifacts, Rpm));
        var post = Section(scripts, "postinstall scriptlet");
        Assert.Contains("systemctl --no-reload preset acme-orch-server.service acme-orch-broker.service", post, StringComparison.Ordinal);
        Assert.Contains("systemctl daemon-reload", post, StringComparison.Ordinal);
        Assert.Contains("systemctl try-restart acme-orch-server.service acme-orch-broker.service", post, StringComparison.Ordinal);
        Assert.Contains("systemctl --no-reload disable --now acme-orch-server.service acme-orch-broker.service", Section(scripts, "preuninstall scriptlet"), StringComparison.Ordinal);
        Assert.DoesNotContain("choria-", scripts, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_rpm_installs_into_a_scratch_root_with_the_expected_tree()
    {
        var root = Directory.CreateDirectory(Path.Combine(_dir, "root")).FullName;
        // --noscripts: the scratch root has no /bin/sh for the scriptlets (which only talk to systemd).
        await RunAsync("rpm", "--root", root, "--nodeps", "--noscripts", "-i", Path.Combine(Artifacts, Rpm));
        var binary = Path.Combine(root, "usr/local/acme/orch/bin/acme-orch");
        Assert.Equal(new FileInfo(ChoriaBinary.Path).Length, new FileInfo(binary).Length);
        Assert.Contains("-rw-r----- ", await RunAsync("ls", "-l", Path.Combine(root, "usr/local/acme/orch/etc/server.conf")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(root, "usr/lib/systemd/system/acme-orch-server.service")));
        Assert.True(File.Exists(Path.Combine(root, "etc/sysconfig/acme-orch-server")));
        Assert.Contains("acme-orch-1.0.0acme-1.el9.x86_64", await RunAsync("rpm", "--root", root, "-qa"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_deb_has_its_control_fields_layout_and_conffiles()
    {
        var deb = Path.Combine(Artifacts, Deb);
        Assert.Equal("acme-orch\n1.0.0acme\namd64\nyou@example.net\n",
            string.Concat((await RunAsync("dpkg-deb", "-f", deb, "Package", "Version", "Architecture", "Maintainer")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[(l.IndexOf(": ", StringComparison.Ordinal) + 2)..] + "\n")));
        var contents = await RunAsync("dpkg-deb", "-c", deb);
        foreach (var path in new[]
        {
            "./usr/local/acme/orch/bin/acme-orch", "./usr/local/acme/orch/etc/server.conf", "./usr/local/acme/orch/etc/broker.conf",
            "./lib/systemd/system/acme-orch-server.service", "./lib/systemd/system/acme-orch-broker.service", "./etc/logrotate.d/acme-orch",
        })
        {
            Assert.Contains(" " + path + "\n", contents, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("/usr/sbin", contents, StringComparison.Ordinal);
        Assert.DoesNotContain("./etc/acme-orch/", contents, StringComparison.Ordinal);
        Assert.Contains("-rwxr-xr-x root/root", contents.Split('\n').Single(l => l.EndsWith("/bin/acme-orch", StringComparison.Ordinal)), StringComparison.Ordinal);
        var control = Path.Combine(_dir, "control");
        await RunAsync("dpkg-deb", "-e", deb, control);
        Assert.Equal(
            "/usr/local/acme/orch/etc/server.conf\n/usr/local/acme/orch/etc/broker.conf\n/etc/logrotate.d/acme-orch\n",
            await File.ReadAllTextAsync(Path.Combine(control, "conffiles")));
        var postinst = await File.ReadAllTextAsync(Path.Combine(control, "postinst"));
        Assert.Contains("systemctl enable acme-orch-server.service", postinst, StringComparison.Ordinal);
        Assert.DoesNotContain("enable acme-orch-broker", postinst, StringComparison.Ordinal);
        Assert.Contains("try-restart acme-orch-server.service acme-orch-broker.service", postinst, StringComparison.Ordinal);
        var prerm = await File.ReadAllTextAsync(Path.Combine(control, "prerm"));
        Assert.Contains("disable acme-orch-server.service acme-orch-broker.service", prerm, StringComparison.Ordinal);
        Assert.Contains("stop acme-orch-server.service acme-orch-broker.service", prerm, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_binary_newer_than_the_dist_allows_is_refused_and_el8_needs_a_single_file_build()
    {
        var cache = Path.Combine(_dir, "cache");
        var run = new PackagerRun(BuildSpecTests.Options(Artifacts, TestPaths.Fixture("packaging", "buildspec.yaml"), ["el8_64"], cache: cache), _ => { });
        var e = await Assert.ThrowsAsync<PackagerException>(() => run.RunAsync(CancellationToken.None));
        Assert.StartsWith("package el8_64: the binary needs glibc 2.", e.Message, StringComparison.Ordinal);
        Assert.Contains("but el8 has 2.28", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Versions_with_a_dash_become_a_tilde_in_the_rpm_and_stay_in_the_deb()
    {
        var cache = Directory.CreateDirectory(Path.Combine(_dir, "cache-dash")).FullName;
        File.Copy(ChoriaBinary.Path, Path.Combine(cache, "acme-orch-1.2.3-acme-linux-amd64"), overwrite: true);
        var output = Path.Combine(_dir, "dash");
        var run = new PackagerRun(BuildSpecTests.Options(output, TestPaths.Fixture("packaging", "buildspec.yaml"), ["el9_64", "debian_64"], "1.2.3-acme", cache), _ => { });
        await run.RunAsync(CancellationToken.None);
        Assert.Equal(["acme-orch-1.2.3~acme-1.el9.x86_64.rpm", "acme-orch_1.2.3-acme_amd64.deb"], Directory.GetFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal("1.2.3~acme\n", await RunAsync("rpm", "-qp", "--qf", "%{VERSION}\n", Path.Combine(output, "acme-orch-1.2.3~acme-1.el9.x86_64.rpm")));
    }

    private static string Section(string scripts, string heading)
    {
        var start = scripts.IndexOf(heading, StringComparison.Ordinal);
        Assert.True(start >= 0, heading + " missing");
        var end = scripts.IndexOf(" scriptlet", start + heading.Length, StringComparison.Ordinal);
        return end < 0 ? scripts[start..] : scripts[start..end];
    }
}
