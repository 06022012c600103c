using Choria.Machine.Watchers;
using Microsoft.Extensions.Logging;

namespace Choria.Machine.Tests;

/// <summary>Machines running real commands and files in a temporary directory.</summary>
[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class MachineRuntimeTests : IDisposable
{
    private readonly MachineTestKit _kit = new();

    [Fact]
    public async Task The_upstream_test_machine_walks_through_its_states()
    {
        var yaml = File.ReadAllText(TestPaths.Fixture("server", "machine", "machine.yaml")).Replace("splay_start: 10", "splay_start: 0", StringComparison.Ordinal);
        await using var m = _kit.Load(_kit.WriteMachine("test", yaml));
        await m.StartAsync(CancellationToken.None);
        await MachineTestKit.WaitUntilAsync(() => m.State == "two", "state two");
        Assert.Equal([("fire_1", "unknown", "one"), ("fire_2", "one", "two")], _kit.Notifier.Transitions.Select(t => (t.Transition, t.FromState, t.ToState)));
        Assert.All(_kit.Notifier.States, s => Assert.Equal("exec", s.Type));
        Assert.Empty(m.AvailableTransitions());
    }

    [Fact]
    public async Task Exec_runs_in_the_machine_directory_with_only_its_own_environment()
    {
        var dir = _kit.WriteMachine("env", """
            name: EnvCheck
            version: 1.0.0
            initial_state: start
            transitions:
              - {name: ok, from: [start], destination: done}
            watchers:
              - name: dump
                type: exec
                state_match: [start]
                success_transition: ok
                properties:
                  command: dump.sh "two words"
                  environment: [EXTRA=1]
            """, ("dump.sh", "#!/bin/sh\n{ pwd; echo \"$1\"; env | sort; } > out.txt\n"));
        await using var m = _kit.Load(dir);
        await m.StartAsync(CancellationToken.None);
        await MachineTestKit.WaitUntilAsync(() => m.State == "done", "the script to succeed");
        var lines = File.ReadAllLines(Path.Combine(dir, "out.txt"));
        Assert.Equal(dir, lines[0]);
        Assert.Equal("two words", lines[1]);
        var env = lines.Skip(2).Where(l => !l.StartsWith("PWD=", StringComparison.Ordinal) && !l.StartsWith("SHLVL=", StringComparison.Ordinal) && !l.StartsWith("_=", StringComparison.Ordinal)).ToList();
        Assert.Equal(["EXTRA=1", "MACHINE_NAME=EnvCheck", "MACHINE_WATCHER_NAME=dump", $"PATH={Environment.GetEnvironmentVariable("PATH")}:{dir}"], env);
    }

    [Fact]
    public async Task A_hanging_command_is_killed_at_its_timeout_and_fails()
    {
        var dir = _kit.WriteMachine("hang", """
            name: Hang
            version: 1.0.0
            initial_state: start
            transitions:
              - {name: failed, from: [start], destination: broken}
            watchers:
              - name: sleeper
                type: exec
                state_match: [start]
                fail_transition: failed
                properties:
                  command: ./hang.sh
                  timeout: 1s
            """, ("hang.sh", "#!/bin/sh\nsleep 60\n"));
        await using var m = _kit.Load(dir);
        var started = DateTime.UtcNow;
        await m.StartAsync(CancellationToken.None);
        await MachineTestKit.WaitUntilAsync(() => m.State == "broken", "the timeout");
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        var state = Assert.Single(_kit.Notifier.States);
        Assert.Contains("previous: error", state.Summary, StringComparison.Ordinal);
        Assert.Contains(_kit.Loggers.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("Machine Hang watcher sleeper: ./hang.sh failed: timed out after 1s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_script_fails_the_watcher_without_stopping_the_machine()
    {
        var dir = _kit.WriteMachine("missing", """
            name: Missing
            version: 1.0.0
            initial_state: start
            transitions:
              - {name: failed, from: [start], destination: broken}
            watchers:
              - {name: gone, type: exec, fail_transition: failed, properties: {command: ./nope.sh}}
            """);
        await using var m = _kit.Load(dir);
        await m.StartAsync(CancellationToken.None);
        await MachineTestKit.WaitUntilAsync(() => m.State == "broken", "the fail transition");
        Assert.Contains(_kit.Loggers.Entries, e => e.Message.Contains("could not start", StringComparison.Ordinal));
    }

    [Fact]
    public async Task File_watcher_reports_missing_changed_and_unchanged()
    {
        var dir = _kit.WriteMachine("file", """
            name: Files
            version: 1.0.0
            initial_state: waiting
            transitions:
              - {name: gone, from: [waiting, changed], destination: missing}
              - {name: changed, from: [waiting, missing, changed], destination: changed}
            watchers:
              - name: flag
                type: file
                interval: 500ms
                fail_transition: gone
                success_transition: changed
                properties: {path: flag.txt}
            """);
        await using var m = _kit.Load(dir);
        await m.StartAsync(CancellationToken.None);
        await MachineTestKit.WaitUntilAsync(() => m.State == "missing", "the missing file");
        var flag = Path.Combine(dir, "flag.txt");
        await File.WriteAllTextAsync(flag, "1");
        await MachineTestKit.WaitUntilAsync(() => m.State == "changed", "the new file");
        var count = _kit.Notifier.Transitions.Count;
        await Task.Delay(1200);
        Assert.Equal(count, _kit.Notifier.Transitions.Count);
        Assert.Equal("unchanged", m.Watchers[0].StateName);

        File.SetLastWriteTimeUtc(flag, DateTime.UtcNow.AddMinutes(1));
        await MachineTestKit.WaitUntilAsync(() => _kit.Notifier.Transitions.Count > count, "the change");
        Assert.Equal("changed", _kit.Notifier.Transitions.Last().Transition);
    }

    [Fact]
    public async Task A_timer_fires_its_fail_transition_and_restarts_on_each_entry()
    {
        var dir = _kit.WriteMachine("timer", """
            name: Timed
            version: 1.0.0
            initial_state: idle
            transitions:
              - {name: begin, from: [idle], destination: busy}
              - {name: expired, from: [busy], destination: idle}
            watchers:
              - {name: limit, type: timer, state_match: [busy], fail_transition: expired, properties: {timer: 1s}}
            """);
        await using var m = _kit.Load(dir);
        await m.StartAsync(CancellationToken.None);
        await Task.Delay(300);
        Assert.Equal("stopped", m.Watchers[0].StateName);
        Assert.True(m.Transition("begin"));
        await MachineTestKit.WaitUntilAsync(() => m.Watchers[0].StateName == "running", "the timer to start");
        await MachineTestKit.WaitUntilAsync(() => m.State == "idle", "the timer to expire");
        Assert.Equal(["begin", "expired"], _kit.Notifier.Transitions.Select(t => t.Transition));
        Assert.Equal(["running", "stopped"], _kit.Notifier.States.Select(s => s.Summary.Split(' ')[1]));
    }

    [Fact]
    public async Task A_fast_transition_loop_is_throttled()
    {
        _kit.Context = _kit.Context with { ThrottleBurst = 4, ThrottleWindow = TimeSpan.FromSeconds(5), ThrottleDelay = TimeSpan.FromMilliseconds(500) };
        var dir = _kit.WriteMachine("loop", """
            name: Loop
            version: 1.0.0
            initial_state: ping
            transitions:
              - {name: to_pong, from: [ping], destination: pong}
              - {name: to_ping, from: [pong], destination: ping}
            watchers:
              - {name: ab, type: exec, state_match: [ping], success_transition: to_pong, properties: {command: /usr/bin/true}}
              - {name: ba, type: exec, state_match: [pong], success_transition: to_ping, properties: {command: /usr/bin/true}}
            """);
        await using var m = _kit.Load(dir);
        await m.StartAsync(CancellationToken.None);
        await Task.Delay(2500);
        var made = _kit.Notifier.Transitions.Count;

        // Unthrottled, true(1) loops hundreds of times in 2.5s; throttled: the burst of 4, then one every 0.5s.
        Assert.InRange(made, 5, 12);
        Assert.Contains(_kit.Loggers.Entries, e => e.Message.Contains("Machine Loop made 4 transitions within 5s, slowing to one transition every 0.5s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Invalid_transitions_are_warned_no_ops()
    {
        var yaml = File.ReadAllText(TestPaths.Fixture("server", "machine", "machine.yaml"));
        await using var m = _kit.Load(_kit.WriteMachine("t", yaml));
        Assert.False(m.Transition("fire_2"));
        Assert.False(m.Transition(""));
        Assert.Equal("unknown", m.State);
        Assert.Contains(_kit.Loggers.Entries, e => e.Level == LogLevel.Warning && e.Message == "Machine TestMachine: could not fire 'fire_2' event while in unknown");
    }

    [Fact]
    public void Nagios_output_and_perfdata_are_parsed()
    {
        var r = NagiosWatcher.Parse(1, "DISK WARNING - free space: / 3326 MB (56%)|'/ used'=2643MB;3000;3500;0;4000 load=0.5 pct=56%\nmore text", DateTimeOffset.UnixEpoch, TimeSpan.Zero);
        Assert.Equal(("WARNING", 1, "DISK WARNING - free space: / 3326 MB (56%)"), (r.Status, r.Code, r.Output));
        Assert.Equal([new PerfData("/ used", 2643, "MB"), new PerfData("load", 0.5, ""), new PerfData("pct", 56, "%")], r.PerfData);
        Assert.Equal("UNKNOWN", NagiosWatcher.Parse(127, "", DateTimeOffset.UnixEpoch, TimeSpan.Zero).Status);
    }

    [Fact]
    public async Task Nagios_plugins_fire_success_on_ok_and_fail_otherwise()
    {
        var dir = _kit.WriteMachine("nagios", """
            name: Health
            version: 1.0.0
            initial_state: unknown
            transitions:
              - {name: healthy, from: [unknown, sick], destination: ok}
              - {name: unhealthy, from: [unknown, ok], destination: sick}
            watchers:
              - name: check
                type: nagios
                interval: 500ms
                success_transition: healthy
                fail_transition: unhealthy
                properties:
                  plugin: ./check.sh
                  annotations: {team: ops}
            """, ("check.sh", "#!/bin/sh\nif [ -f down ]; then echo 'CRITICAL: down|x=1'; exit 2; fi\necho 'OK: fine|x=0'\n"));
        await using var m = _kit.Load(dir);
        await m.StartAsync(CancellationToken.None);
        await MachineTestKit.WaitUntilAsync(() => m.State == "ok", "OK");
        await File.WriteAllTextAsync(Path.Combine(dir, "down"), "");
        await MachineTestKit.WaitUntilAsync(() => m.State == "sick", "CRITICAL");
        var last = _kit.Notifier.States.Last(s => s.Summary.StartsWith("CRITICAL", StringComparison.Ordinal));
        var json = System.Text.Encoding.UTF8.GetString(Notifications.MachineEvents.Data(last.WriteData));
        Assert.Contains("\"plugin\":\"./check.sh\",\"status\":\"CRITICAL\",\"status_code\":2,\"output\":\"CRITICAL: down\"", json, StringComparison.Ordinal);
        Assert.Contains("\"perfdata\":[{\"unit\":\"\",\"label\":\"x\",\"value\":1}]", json, StringComparison.Ordinal);
        Assert.Contains("\"annotations\":{\"team\":\"ops\"}", json, StringComparison.Ordinal);
    }

    public void Dispose() => _kit.Dispose();
}
