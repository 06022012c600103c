namespace Choria.Packager.Tests;

/// <summary>Buildspec handling (docs/packaging.md): merge, templating, validation messages (PK1–PK6).</summary>
public sealed class BuildSpecTests
{
    internal static string OrchSpec => File.ReadAllText(TestPaths.Fixture("packaging", "buildspec.yaml"));

    internal static string Templates => Path.Combine(TestPaths.RepoRoot, "packager", "templates");

    [Fact]
    public void A_target_with_its_own_flags_loses_the_default_flags_and_inherits_the_rest()
    {
        var build = BuildSpec.Load("""
            b:
              compile_targets:
                defaults: { output: "x-{{os}}", flags: { TLS: "false", Secure: "false" }, pre: [ "echo a" ] }
                plain: { os: linux, arch: amd64 }
                own: { os: linux, arch: arm64, flags: { maxBrokerClients: "100000" } }
            """, "b");
        Assert.Equal(new Dictionary<string, string> { ["TLS"] = "false", ["Secure"] = "false" }, build.Targets["plain"].Flags);
        Assert.Equal(new Dictionary<string, string> { ["maxBrokerClients"] = "100000" }, build.Targets["own"].Flags);
        Assert.Equal(["echo a"], build.Targets["own"].Pre);
        Assert.Equal("x-{{os}}", build.Targets["own"].Output);
    }

    [Theory]
    [InlineData("defaults: { os: linux, arch: amd64, output: o }\n    t: { output: o }", "compile target t: No OS specified")]
    [InlineData("defaults: { output: o, arch: amd64 }\n    t: { os: linux }", "compile target t: No architecture specified")]
    [InlineData("t: { os: linux, arch: amd64 }", "compile target t: No output specified")]
    public void Os_and_arch_come_from_the_named_target_only_and_output_is_required(string targets, string message)
    {
        var e = Assert.Throws<PackagerException>(() => BuildSpec.Load($"b:\n  compile_targets:\n    {targets}\n", "b"));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void An_unknown_build_is_an_error()
    {
        var e = Assert.Throws<PackagerException>(() => BuildSpec.Load(OrchSpec, "acme"));
        Assert.Equal("Unknown build acme", e.Message);
    }

    [Fact]
    public void Output_names_substitute_every_placeholder_in_both_cases()
    {
        var target = new CompileTarget("t", "linux", "arm", "7", "", new Dictionary<string, string>(), [], [], [], new Dictionary<string, string>(), null);
        Assert.Equal(
            "n-1.0.0acme-1.0.0ACME-linux-LINUX-arm-ARM-7-7-abc1234-ABC1234-{{other}}",
            Templating.OutputName("n-{{version}}-{{VERSION}}-{{os}}-{{OS}}-{{arch}}-{{ARCH}}-{{arm}}-{{ARM}}-{{sha}}-{{SHA}}-{{other}}", target, "1.0.0acme", "abc1234"));
        var orch = BuildSpec.Load(OrchSpec, "orch").Targets["64bit_linux"];
        Assert.Equal("acme-orch-1.0.0acme-linux-amd64", Templating.OutputName(orch.Output, orch, "1.0.0acme", "0e20674"));
    }

    [Fact]
    public void Version_sha_and_build_time_flags_are_set_by_the_packager_only()
    {
        var flags = new Dictionary<string, string>
        {
            ["Version"] = "9.9.9",
            ["github.com/choria-io/go-choria/build.SHA"] = "bad",
            ["BuildTime"] = "never",
            ["github.com/choria-io/go-choria/build.ProvisionBrokerURLs"] = "prov:4222",
            ["TLS"] = "false",
        };
        var target = new CompileTarget("t", "linux", "amd64", null, "o", flags, [], [], [], new Dictionary<string, string>(), null);
        var warnings = new List<string>();
        var settings = Targets.Settings(target, "1.0.0acme", "0e20674", "2020-01-04 10:00:00 +0000", warnings.Add);
        Assert.Equal(
            ["Version=1.0.0acme", "SHA=0e20674", "BuildDate=2020-01-04 10:00:00 +0000", "github.com/choria-io/go-choria/build.ProvisionBrokerURLs=prov:4222", "TLS=false"],
            settings);
        Assert.Equal(3, warnings.Count);
        Assert.All(warnings, w => Assert.Contains("cannot be overridden", w, StringComparison.Ordinal));
    }

    [Fact]
    public void Rpm_versions_turn_the_first_dash_into_a_tilde_and_debian_keeps_it()
    {
        Assert.Equal("1.2.3~acme", Templating.RpmVersion("1.2.3-acme"));
        Assert.Equal("1.2.3~acme-x", Templating.RpmVersion("1.2.3-acme-x"));
        Assert.Equal("1.0.0acme", Templating.RpmVersion("1.0.0acme"));
    }

    [Fact]
    public void Package_substitution_takes_any_key_engine_variables_win_and_unknown_placeholders_stay()
    {
        var engine = new Dictionary<string, string> { ["version"] = "1.0.0acme" };
        var props = new Dictionary<string, string> { ["version"] = "from-key", ["my_key"] = "mine" };
        Assert.Equal("1.0.0acme mine {{cpkg_nope}} {{other}}", Templating.Package("{{cpkg_version}} {{cpkg_my_key}} {{cpkg_nope}} {{other}}", engine, props));
    }

    [Fact]
    public void Changelog_dates_are_rfc_2822()
    {
        Assert.Equal("Sat, 04 Jan 2020 10:00:00 +0000", Templating.Rfc2822(new DateTimeOffset(2020, 1, 4, 11, 0, 0, TimeSpan.FromHours(1))));
    }

    [Theory]
    [InlineData("{ template: el/el9 }", "package p: No name specified in package properties")]
    [InlineData("{ name: n }", "package p: No template specified")]
    [InlineData("{ name: n, template: el/el4 }", "Unknown template el/el4")]
    [InlineData("{ name: n, template: el/global }", "Template has no config.yaml in")]
    [InlineData("{ name: n, template: el/el9, binary: t }", "package p: Target architecture is not specified")]
    [InlineData("{ name: n, template: el/el9, binary: nope, target_arch: x86_64 }", "package p: Unknown compile target nope")]
    [InlineData("{ name: n, template: el/el9, binary: t, target_arch: x86_64, bindir: /b, etcdir: /e, manage_conf: 1, contact: c, dist: el9 }", "package p: Template required property rpm_group to be set")]
    public void Every_package_validation_message(string package, string message)
    {
        var build = BuildSpec.Load($"b:\n  compile_targets:\n    t: {{ os: linux, arch: amd64, output: o }}\n  packages:\n    p: {package}\n", "b");
        var e = Assert.Throws<PackagerException>(() => PackagerRun.ValidatePackage(build.Packages["p"], build, Templates));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Package_defaults_fall_back_to_the_foss_build_of_the_same_file()
    {
        var yaml = "foss:\n  packages:\n    defaults: { rpm_group: Base, contact: c }\norch:\n  packages:\n    defaults: { contact: me }\n    p: { name: n }\n";
        var build = BuildSpec.Load(yaml, "orch");
        Assert.Equal("Base", build.Packages["p"].Get("rpm_group"));
        Assert.Equal("me", build.Packages["p"].Get("contact"));
    }

    [Fact]
    public async Task Validation_covers_every_package_of_the_build_not_just_the_chosen_one()
    {
        var dir = Directory.CreateTempSubdirectory("choria-pkg-test-").FullName;
        try
        {
            var spec = Path.Combine(dir, "buildspec.yaml");
            await File.WriteAllTextAsync(spec, OrchSpec + "    broken: { name: x, template: el/el9, binary: 64bit_linux }\n");
            var run = new PackagerRun(Options(dir, spec, ["el9_64"]), _ => { });
            var e = await Assert.ThrowsAsync<PackagerException>(() => run.RunAsync(CancellationToken.None));
            Assert.Equal("package broken: Target architecture is not specified", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    internal static PackagerOptions Options(string artifacts, string spec, IReadOnlyList<string> packages, string version = "1.0.0acme", string? cache = null) =>
        new(TestPaths.RepoRoot, "orch", version, "0e20674", packages, false, artifacts, cache,
            new TestClock(new DateTimeOffset(2020, 1, 4, 10, 0, 0, TimeSpan.Zero)))
        {
            SpecFile = spec,
        };
}
