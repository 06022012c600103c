using Choria.Machine.Manifest;

namespace Choria.Machine.Tests;

public sealed class ManifestTests
{
    private const string Valid = """
        name: Svc
        version: 1.0.0
        initial_state: unknown
        transitions:
          - name: up
            from: [unknown, down]
            destination: running
          - name: fail
            from: [running]
            destination: down
        watchers:
          - name: check
            type: exec
            state_match: [running]
            fail_transition: fail
            interval: 1m
            properties:
              command: ./check.sh
        """;

    [Fact]
    public void The_upstream_test_machine_loads_with_its_states_transitions_and_watchers()
    {
        var m = ManifestLoader.LoadDirectory(TestPaths.Fixture("server", "machine"));
        Assert.Equal("TestMachine", m.Name);
        Assert.Equal("0.0.1", m.Version);
        Assert.Equal(10, m.SplayStart);
        Assert.Equal(["unknown", "one", "two"], m.States());
        Assert.Equal(["fire_1", "fire_2"], m.Transitions.Select(t => t.Name));
        var w = m.Watchers[1];
        Assert.Equal(("true_2", "exec", "fire_2", "fire_1"), (w.Name, w.Type, w.SuccessTransition, w.FailTransition));
        Assert.Equal(TimeSpan.FromMinutes(1), w.Interval);
        Assert.Equal("/usr/bin/true", w.Properties.Text("command"));
    }

    [Fact]
    public void An_empty_manifest_lists_every_missing_field()
    {
        var e = Assert.Throws<ManifestException>(() => ManifestLoader.Parse(File.ReadAllText(TestPaths.Fixture("server", "machine", "empty.yaml"))));
        Assert.Equal(["name is required", "version is required", "initial_state is required", "no transitions defined", "no watchers defined"], e.Errors);
    }

    [Theory]
    [InlineData("state_match: [running]", "state_match: [runnin]", "invalid state runnin in state match for watcher check")]
    [InlineData("fail_transition: fail", "fail_transition: boom", "invalid fail_transition boom specified in watcher check")]
    [InlineData("fail_transition: fail", "success_transition: boom", "invalid success_transition boom specified in watcher check")]
    [InlineData("type: exec", "type: ldap", "watcher check has unknown type 'ldap', known types are exec, file, nagios, schedule, timer")]
    [InlineData("version: 1.0.0", "version: one", "version 'one' is not a semantic version like 1.0.0")]
    [InlineData("name: Svc", "name: 1Svc", "name '1Svc' must match ^[a-zA-Z][a-zA-Z0-9_-]+$")]
    [InlineData("- name: fail", "- name: up", "transition up is defined more than once")]
    [InlineData("interval: 1m", "interval: 100ms", "watcher check interval 100ms is too small, the minimum is 500ms")]
    [InlineData("interval: 1m", "interval: soon", "watchers[0].interval 'soon' is not a valid duration")]
    [InlineData("interval: 1m", "announce_interval: 10s", "announce_interval of watcher check is 10s, it must be at least 1m")]
    [InlineData("command: ./check.sh", "timeout: 1s", "watcher check property command is required")]
    [InlineData("command: ./check.sh", "command: [a, b]", "watcher check property command must be a string")]
    public void Each_problem_names_the_machine_and_field(string find, string replace, string error)
    {
        var e = Assert.Throws<ManifestException>(() => ManifestLoader.Parse(Valid.Replace(find, replace, StringComparison.Ordinal)));
        Assert.Contains(error, e.Errors);
        Assert.StartsWith("invalid machine ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Strict_validation_adds_the_schema_duration_pattern()
    {
        var yaml = Valid.Replace("interval: 1m", "interval: 1500ms", StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), ManifestLoader.Parse(yaml).Watchers[0].Interval);
        var e = Assert.Throws<ManifestException>(() => ManifestLoader.Parse(yaml, strict: true));
        Assert.Equal(["watchers[0].interval: '1500ms' does not match ^\\d+[hms]$"], e.Errors);
    }

    [Theory]
    [InlineData("not: [valid")]
    [InlineData("- a list")]
    public void Malformed_yaml_is_a_manifest_error(string yaml) =>
        Assert.Throws<ManifestException>(() => ManifestLoader.Parse(yaml));

    [Fact]
    public void Watcher_kind_properties_are_checked_at_load()
    {
        var schedule = Valid.Replace("type: exec", "type: schedule", StringComparison.Ordinal)
            .Replace("command: ./check.sh", "duration: 1m\n      schedules: [\"61 * * * *\"]", StringComparison.Ordinal);
        var e = Assert.Throws<ManifestException>(() => ManifestLoader.Parse(schedule));
        Assert.StartsWith("watcher check property schedules '61 * * * *' is not a valid cron schedule", Assert.Single(e.Errors), StringComparison.Ordinal);

        // Cronos would read H as a hashed field and throw its own exception (found by fuzzing): a manifest error here.
        var hashed = Assert.Throws<ManifestException>(() => ManifestLoader.Parse(schedule.Replace("61 * * * *", "H 2 * * *", StringComparison.Ordinal)));
        Assert.Equal("watcher check property schedules 'H 2 * * *' is not a valid cron schedule: H (hashed) fields are not supported", Assert.Single(hashed.Errors));

        var timer = Valid.Replace("type: exec", "type: timer", StringComparison.Ordinal)
            .Replace("fail_transition: fail", "success_transition: fail", StringComparison.Ordinal)
            .Replace("command: ./check.sh", "timer: 5s", StringComparison.Ordinal);
        e = Assert.Throws<ManifestException>(() => ManifestLoader.Parse(timer));
        Assert.Equal(["watcher check: timer watcher does not support success events"], e.Errors);
    }
}

public sealed class ExampleMachineTests
{
    public static TheoryData<string> Examples() => [.. Directory.GetDirectories(Path.Combine(TestPaths.RepoRoot, "examples", "machines")).Select(Path.GetFileName).OfType<string>()];

    [Theory]
    [MemberData(nameof(Examples))]
    public void The_example_machines_pass_strict_validation(string example)
    {
        var dir = Path.Combine(TestPaths.RepoRoot, "examples", "machines", example);
        var m = Choria.Machine.Manifest.ManifestLoader.LoadDirectory(dir, strict: true);
        Assert.True(File.Exists(Path.Combine(dir, "README.md")));
        Assert.NotEmpty(m.Watchers);
    }
}
