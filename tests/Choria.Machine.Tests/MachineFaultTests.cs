using System.Globalization;
using Choria.Machine.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Prometheus;

namespace Choria.Machine.Tests;

/// <summary>
/// Schedules against a wall clock that jumps, files that flap, directories that vanish, periodic announcements,
/// metrics and the nagios textfile: the machine reports or recovers, never throws, never stops answering.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Process)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class MachineFaultTests : IDisposable
{
    private readonly MachineTestKit _kit = new();

    private const string ScheduleMachine = """
        name: Window
        version: 1.0.0
        initial_state: closed
        transitions:
          - {name: open, from: [closed], destination: open}
          - {name: close, from: [open], destination: closed}
        watchers:
          - name: window
            type: schedule
            success_transition: open
            fail_transition: close
            properties: {duration: 2h, schedules: ["0 10 * * *"]}
        """;

    /// <summary>A wall clock time in the zone schedules are read in (the machine's local zone).</summary>
    private static DateTimeOffset Local(int hour, int minute, int second)
    {
        var local = new DateTime(2026, 3, 4, hour, minute, second, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, TimeZoneInfo.Local.GetUtcOffset(local));
    }

    [Fact]
    public async Task A_schedule_opens_at_its_cron_time_and_closes_after_its_duration()
    {
        var clock = new TestClock(Local(9, 59, 58));
        _kit.Context = _kit.Context with { Clock = clock };
        await using var m = _kit.Load(_kit.WriteMachine("window", ScheduleMachine));
        await m.StartAsync(CancellationToken.None);
        await Task.Delay(1200);
        Assert.Equal("closed", m.State);

        clock.Now = Local(10, 0, 10);
        await MachineTestKit.WaitUntilAsync(() => m.State == "open", "the window to open");
        Assert.Equal("on", m.Watchers[0].StateName);

        clock.Now = Local(10, 0, 40);
        await Task.Delay(1200);
        Assert.Equal("open", m.State);

        clock.Now = Local(12, 0, 11);
        await MachineTestKit.WaitUntilAsync(() => m.State == "closed", "the window to close");
        Assert.Equal(["open", "close"], _kit.Notifier.Transitions.Select(t => t.Transition));
    }

    /// <summary>Waits for the watcher to have checked at <paramref name="now"/> (it sleeps up to 5 s between checks).</summary>
    private static Task SeenAsync(Watchers.ScheduleWatcher watcher, DateTimeOffset now) =>
        MachineTestKit.WaitUntilAsync(() => watcher.LastCheck == DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds()), $"the schedule to check at {now:T}");

    [Fact]
    public async Task A_wall_clock_jump_plans_the_schedule_again_instead_of_firing_what_was_skipped()
    {
        var clock = new TestClock(Local(9, 0, 0));
        _kit.Context = _kit.Context with { Clock = clock };
        await using var m = _kit.Load(_kit.WriteMachine("window", ScheduleMachine));
        await m.StartAsync(CancellationToken.None);
        var watcher = (Watchers.ScheduleWatcher)m.Watchers[0];
        await SeenAsync(watcher, clock.Now);

        // Forward an hour and a half, past 10:00 and into what would have been the window: not opened.
        clock.Now = Local(10, 30, 0);
        await MachineTestKit.WaitUntilAsync(() => _kit.Loggers.Entries.Any(e => e.Message.Contains("the clock jumped", StringComparison.Ordinal)), "the jump to be noticed");
        await SeenAsync(watcher, clock.Now);
        Assert.Equal("closed", m.State);
        Assert.Equal(Local(10, 0, 0).AddDays(1), watcher.NextActivations[0]);

        // Back an hour and a bit: 10:00 today is ahead again and opens the window when it comes.
        clock.Now = Local(9, 20, 0);
        await MachineTestKit.WaitUntilAsync(() => watcher.NextActivations[0] == Local(10, 0, 0), "the schedule to be planned again");
        // Forward 40 minutes at once (a third jump), seen before 10:00 comes; then the clock runs normally through 10:00.
        clock.Now = Local(9, 59, 58);
        await SeenAsync(watcher, clock.Now);
        Assert.Equal("closed", m.State);
        clock.Now = Local(10, 0, 1);
        await MachineTestKit.WaitUntilAsync(() => m.State == "open", "the window to open after the jump back");
        Assert.Equal(3, _kit.Loggers.Entries.Count(e => e.Level == LogLevel.Warning && e.Message.StartsWith("Machine Window watcher window: the clock jumped from", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_flapping_file_is_throttled_and_the_machine_settles_on_the_files_last_state()
    {
        _kit.Context = _kit.Context with { ThrottleBurst = 4, ThrottleWindow = TimeSpan.FromSeconds(5), ThrottleDelay = TimeSpan.FromMilliseconds(300) };
        var dir = _kit.WriteMachine("flap", """
            name: Flap
            version: 1.0.0
            initial_state: waiting
            transitions:
              - {name: gone, from: [waiting, present], destination: missing}
              - {name: seen, from: [waiting, missing, present], destination: present}
            watchers:
              - {name: flag, type: file, interval: 1s, fail_transition: gone, success_transition: seen, properties: {path: flag.txt}}
            """);
        await using var m = _kit.Load(dir);
        await m.StartAsync(CancellationToken.None);
        var flag = Path.Combine(dir, "flag.txt");

        // Appears, changes and disappears far faster than the watcher looks, while transitions nudge it to look again.
        var until = DateTime.UtcNow.AddSeconds(3);
        for (var i = 0; DateTime.UtcNow < until; i++)
        {
            if (i % 3 == 2)
            {
                File.Delete(flag);
            }
            else
            {
                await File.WriteAllTextAsync(flag, i.ToString(CultureInfo.InvariantCulture));
                File.SetLastWriteTimeUtc(flag, DateTime.UtcNow.AddSeconds(i));
            }

            await Task.Delay(20);
        }

        await File.WriteAllTextAsync(flag, "final");
        File.SetLastWriteTimeUtc(flag, DateTime.UtcNow.AddHours(1));
        await MachineTestKit.WaitUntilAsync(() => m.State == "present" && m.Watchers[0].StateName is "changed" or "unchanged", "the machine to settle on the file being there");
        Assert.True(m.Transition("gone"), "the machine still takes transitions");
        Assert.DoesNotContain(_kit.Loggers.Entries, e => e.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task A_machine_directory_removed_while_running_is_reported_and_the_machine_stops_cleanly()
    {
        var dir = _kit.WriteMachine("gone", """
            name: Gone
            version: 1.0.0
            initial_state: up
            transitions:
              - {name: lost, from: [up], destination: lost}
              - {name: found, from: [lost], destination: up}
            watchers:
              - {name: flag, type: file, interval: 500ms, fail_transition: lost, properties: {path: flag.txt, gather_initial_state: true}}
              - {name: fix, type: exec, state_match: [lost], interval: 500ms, success_transition: found, properties: {command: ./fix.sh}}
            """, ("flag.txt", "ok"), ("fix.sh", "#!/bin/sh\nexit 0\n"));
        await using var m = _kit.Load(dir);
        await m.StartAsync(CancellationToken.None);
        await Task.Delay(700);

        Directory.Delete(dir, recursive: true);
        await MachineTestKit.WaitUntilAsync(() => m.State == "lost", "the missing file to be noticed");
        // The exec watcher cannot run its script (nor start in a directory that is gone): it reports and keeps trying.
        await MachineTestKit.WaitUntilAsync(() => m.Watchers[1].StateName == "error", "the exec watcher to fail");
        Assert.Contains(_kit.Loggers.Entries, e => e.Message.Contains("Gone", StringComparison.Ordinal) && e.Message.Contains("fix", StringComparison.Ordinal));

        var stop = m.StopAsync();
        Assert.Same(stop, await Task.WhenAny(stop, Task.Delay(10_000)));
    }

    [Fact]
    public async Task Watchers_announce_their_state_every_announce_interval()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        _kit.Context = _kit.Context with { Clock = clock };
        var dir = _kit.WriteMachine("announce", """
            name: Announcer
            version: 1.0.0
            initial_state: idle
            transitions:
              - {name: never, from: [idle], destination: other}
            watchers:
              - {name: flag, type: file, interval: 1h, announce_interval: 2m, properties: {path: flag.txt, gather_initial_state: true}}
            """, ("flag.txt", "ok"));
        await using var m = _kit.Load(dir);
        await m.StartAsync(CancellationToken.None);
        await MachineTestKit.WaitUntilAsync(() => m.Watchers[0].StateName == "unchanged", "the first check");
        await Task.Delay(300);
        var before = _kit.Notifier.States.Count;

        clock.Advance(TimeSpan.FromSeconds(119));
        await Task.Delay(300);
        Assert.Equal(before, _kit.Notifier.States.Count);

        clock.Advance(TimeSpan.FromSeconds(1));
        await MachineTestKit.WaitUntilAsync(() => _kit.Notifier.States.Count == before + 1, "the announcement at 2m");
        clock.Advance(TimeSpan.FromMinutes(2));
        await MachineTestKit.WaitUntilAsync(() => _kit.Notifier.States.Count == before + 2, "the announcement at 4m");
        var last = _kit.Notifier.States.Last();
        Assert.Equal(("file", "flag"), (last.Type, last.Name));
        Assert.Equal(clock.GetUtcNow().ToUnixTimeSeconds(), last.Timestamp);
    }

    [Fact]
    public async Task Metrics_follow_states_transitions_invalid_events_and_watcher_runs()
    {
        var registry = Metrics.NewCustomRegistry();
        _kit.Context = _kit.Context with { Metrics = new MachineMetrics(registry) };
        var dir = _kit.WriteMachine("metrics", """
            name: Metered
            version: 1.0.0
            initial_state: start
            transitions:
              - {name: ok, from: [start], destination: done}
            watchers:
              - {name: run, type: exec, state_match: [start], success_transition: ok, properties: {command: /usr/bin/true}}
            """);
        await using var m = _kit.Load(dir);
        await m.StartAsync(CancellationToken.None);
        await MachineTestKit.WaitUntilAsync(() => m.State == "done", "the transition");
        Assert.False(m.Transition("ok"));

        var text = await Export(registry);
        Assert.Contains("choria_machine_state{machine=\"Metered\",state=\"done\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("choria_machine_state{machine=\"Metered\",state=\"start\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("choria_machine_transitions{machine=\"Metered\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("choria_machine_invalid_transitions{machine=\"Metered\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("choria_machine_watcher_runs{machine=\"Metered\",watcher=\"run\",type=\"exec\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("choria_machine_watcher_state{machine=\"Metered\",watcher=\"run\",type=\"exec\",state=\"success\"} 1", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nagios_checks_are_written_to_the_prometheus_textfile_and_removed_with_the_machine()
    {
        var textDir = Directory.CreateDirectory(Path.Combine(_kit.Root, "textfile")).FullName;
        var textfile = new NagiosTextfile(textDir, TimeProvider.System, _kit.Loggers.CreateLogger("textfile"));
        _kit.Context = _kit.Context with { PrometheusTextfile = textfile };
        static string Check(string name, string plugin) => $$"""
            name: {{name}}
            version: 1.0.0
            initial_state: watching
            transitions:
              - {name: OK, from: [watching], destination: watching}
              - {name: CRITICAL, from: [watching], destination: watching}
            watchers:
              - name: check
                type: nagios
                interval: 1h
                properties:
                  plugin: {{plugin}}
            """;
        await using var ok = _kit.Load(_kit.WriteMachine("ok", Check("check_ok", "./ok.sh"), ("ok.sh", "#!/bin/sh\necho 'OK: fine|x=1'\n")));
        await using var crit = _kit.Load(_kit.WriteMachine("crit", Check("check_crit", "./crit.sh"), ("crit.sh", "#!/bin/sh\necho 'CRITICAL: down'\nexit 2\n")));
        await ok.StartAsync(CancellationToken.None);
        await crit.StartAsync(CancellationToken.None);
        var path = Path.Combine(textDir, NagiosTextfile.FileName);
        await MachineTestKit.WaitUntilAsync(() => File.Exists(path) && File.ReadAllText(path).Contains("checks_count{name=\"check_ok\"} 1", StringComparison.Ordinal) && File.ReadAllText(path).Contains("checks_count{name=\"check_crit\"} 1", StringComparison.Ordinal), "both checks in the textfile");

        var lines = File.ReadAllLines(path);
        Assert.Equal("# HELP choria_machine_nagios_start_time Time the Choria Machine subsystem started in unix seconds", lines[0]);
        Assert.Contains("choria_machine_nagios_watcher_status{name=\"check_crit\",status=\"CRITICAL\"} 2", lines);
        Assert.Contains("choria_machine_nagios_watcher_status{name=\"check_ok\",status=\"OK\"} 0", lines);
        var lastRun = long.Parse(lines.Single(l => l.StartsWith("choria_machine_nagios_watcher_last_run_seconds{name=\"check_ok\"}", StringComparison.Ordinal)).Split(' ')[1], CultureInfo.InvariantCulture);
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - lastRun, 0, 60);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(path));
        Assert.Single(Directory.GetFiles(textDir));

        await crit.StopAsync();
        var after = File.ReadAllText(path);
        Assert.DoesNotContain("check_crit", after, StringComparison.Ordinal);
        Assert.Contains("choria_machine_nagios_watcher_status{name=\"check_ok\",status=\"OK\"} 0", after, StringComparison.Ordinal);
    }

    private static async Task<string> Export(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    public void Dispose() => _kit.Dispose();
}
