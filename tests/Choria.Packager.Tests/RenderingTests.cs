using System.Text;

namespace Choria.Packager.Tests;

/// <summary>What the templates render for the orch build (PK16, PK17), targets and the glibc floor (PK22 in part).</summary>
public sealed class RenderingTests
{
    private static RenderedPackage Render(string package, string? manageConf = null)
    {
        var build = BuildSpec.Load(BuildSpecTests.OrchSpec, "orch");
        var spec = build.Packages[package];
        if (manageConf is not null)
        {
            spec = spec with { Properties = new Dictionary<string, string>(spec.Properties) { ["manage_conf"] = manageConf } };
        }

        var template = PackagerRun.ValidatePackage(spec, build, BuildSpecTests.Templates);
        return PackagerRun.Render(spec, template, "/x/acme-orch-1.0.0acme-linux-amd64", build, BuildSpecTests.Options("/tmp", "/tmp/spec", []));
    }

    [Theory]
    [InlineData("el9_64", "/usr/lib/systemd/system", "/etc/sysconfig")]
    [InlineData("debian_64", "/lib/systemd/system", "/etc/default")]
    public void Units_run_the_personalised_binary_with_the_personalised_configs(string package, string unitDir, string envDir)
    {
        var files = Render(package).Files.ToDictionary(f => f.Path);
        var server = files[unitDir + "/acme-orch-server.service"].Text!;
        Assert.Contains("ExecStart=/bin/sh -c \"${COMMAND_PREFIX} /usr/local/acme/orch/bin/acme-orch server run --config=/usr/local/acme/orch/etc/server.conf ${EXTRA_OPTS}\"\n", server, StringComparison.Ordinal);
        Assert.Contains($"EnvironmentFile=-{envDir}/acme-orch-server\n", server, StringComparison.Ordinal);
        Assert.Contains("KillMode=process\n", server, StringComparison.Ordinal);
        Assert.Contains("SyslogIdentifier=acme-orch-server\n", server, StringComparison.Ordinal);
        var broker = files[unitDir + "/acme-orch-broker.service"].Text!;
        Assert.Contains("ExecStart=/usr/local/acme/orch/bin/acme-orch broker run --config=/usr/local/acme/orch/etc/broker.conf\n", broker, StringComparison.Ordinal);
        Assert.Contains("LimitNOFILE=51200\n", broker, StringComparison.Ordinal);
        Assert.Contains("KillMode=process\n", broker, StringComparison.Ordinal);
        Assert.Contains("logfile = /var/log/acme-orch.log\n", files["/usr/local/acme/orch/etc/server.conf"].Text, StringComparison.Ordinal);
        Assert.Contains("logfile = /var/log/acme-orch.log\n", files["/usr/local/acme/orch/etc/broker.conf"].Text, StringComparison.Ordinal);
        Assert.StartsWith("/var/log/acme-orch-*.log /var/log/acme-orch.log {\n", files["/etc/logrotate.d/acme-orch"].Text, StringComparison.Ordinal);
        Assert.Equal("/x/acme-orch-1.0.0acme-linux-amd64", files["/usr/local/acme/orch/bin/acme-orch"].BinaryPath);
    }

    [Theory]
    [InlineData("el9_64")]
    [InlineData("debian_64")]
    public void No_rendered_file_keeps_a_placeholder_or_the_stock_name(string package)
    {
        var rendered = Render(package);
        var texts = rendered.Files.Where(f => f.Text is not null).Select(f => (f.Path, f.Text!)).ToList();
        foreach (var source in new[] { "package.spec", "control", "postinst", "prerm", "postrm" })
        {
            if (rendered.Template.Sources.ContainsKey(source))
            {
                texts.Add((source, PackagerRun.RenderSource(rendered, source, new Dictionary<string, string> { ["stage"] = "/s", ["rpm_files"] = "", ["installed_size"] = "1" })));
            }
        }

        Assert.True(texts.Count >= 6);
        foreach (var (path, text) in texts)
        {
            Assert.False(text.Contains("{{cpkg_", StringComparison.Ordinal), path + " keeps a placeholder");
            Assert.False(text.Contains("choria-server", StringComparison.Ordinal), path + " names choria-server");
        }
    }

    [Fact]
    public void Manage_conf_other_than_1_ships_no_config_files()
    {
        var paths = Render("el9_64", manageConf: "0").Files.Select(f => f.Path).ToList();
        Assert.DoesNotContain("/usr/local/acme/orch/etc/server.conf", paths);
        Assert.DoesNotContain("/usr/local/acme/orch/etc/broker.conf", paths);
        Assert.Contains("/etc/sysconfig/acme-orch-server", paths);
    }

    [Theory]
    [InlineData("x86_64-linux-gnu", "amd64")]
    [InlineData("aarch64-linux-gnu", "arm64")]
    [InlineData("arm-linux-gnueabihf", "armhf")]
    [InlineData("i686-linux-gnu", "i386")]
    public void Debian_architectures_come_from_the_gnu_triplet(string triplet, string arch) => Assert.Equal(arch, PackagerRun.DebArch(triplet));

    [Theory]
    [InlineData("linux", "amd64", null, null, "linux-x64", "aot")]
    [InlineData("linux", "arm64", null, null, "linux-arm64", "aot")]
    [InlineData("linux", "amd64", null, "singlefile", "linux-x64", "singlefile")]
    [InlineData("windows", "amd64", null, null, "win-x64", "singlefile")]
    [InlineData("darwin", "arm64", null, null, "osx-arm64", "singlefile")]
    [InlineData("linux", "arm", "7", null, "linux-arm", "singlefile")]
    public void Targets_map_to_runtime_identifiers_and_modes(string os, string arch, string? arm, string? publish, string rid, string mode)
    {
        var plan = Targets.Plan(new CompileTarget("t", os, arch, arm, "o", new Dictionary<string, string>(), [], [], [], new Dictionary<string, string>(), publish));
        Assert.Equal(rid, plan.Rid);
        Assert.Equal(mode, plan.Mode);
    }

    [Theory]
    [InlineData("linux", "386", null, null, ".NET 10 cannot build for linux/386")]
    [InlineData("linux", "ppc64le", null, null, ".NET 10 cannot build for linux/ppc64le")]
    [InlineData("linux", "arm", "5", null, ".NET 10 cannot build for linux/arm v5")]
    [InlineData("windows", "amd64", null, "aot", "Cross-OS native compilation is not supported")]
    public void Targets_dotnet_cannot_build_are_refused_clearly(string os, string arch, string? arm, string? publish, string message)
    {
        var e = Assert.Throws<PackagerException>(() => Targets.Plan(new CompileTarget("t", os, arch, arm, "o", new Dictionary<string, string>(), [], [], [], new Dictionary<string, string>(), publish)));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_glibc_floor_refuses_a_binary_newer_than_the_dist()
    {
        var file = Path.GetTempFileName();
        try
        {
            // The start of an ELF file and the .dynstr version names of a Native AOT binary built on Debian 12.
            File.WriteAllBytes(file, [0x7f, (byte)'E', (byte)'L', (byte)'F', .. Encoding.ASCII.GetBytes("\0GLIBC_2.2.5\0GLIBC_2.34\0GLIBC_2.17\0")]);
            Assert.Equal(new Version(2, 34), Glibc.Required(file));
            var build = BuildSpec.Load(BuildSpecTests.OrchSpec, "orch");
            var e = Assert.Throws<PackagerException>(() => Glibc.Check(file, build.Packages["el8_64"], _ => { }));
            Assert.Equal("package el8_64: the binary needs glibc 2.34 but el8 has 2.28; it would not start there. Build that target with publish: singlefile (needs glibc 2.27) or drop the package", e.Message);
            Glibc.Check(file, build.Packages["el9_64"], _ => { });
            Glibc.Check(file, build.Packages["debian_64"], _ => { });
            var warnings = new List<string>();
            Glibc.Check(file, new PackageSpec("custom_64", new Dictionary<string, string>()), warnings.Add);
            Assert.Contains("no known dist", Assert.Single(warnings), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
