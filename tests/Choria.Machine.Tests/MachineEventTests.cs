using System.Text;
using Choria.Machine.Manifest;
using Choria.Machine.Notifications;
using Choria.Machine.Runtime;
using Choria.Machine.Watchers;

namespace Choria.Machine.Tests;

/// <summary>Events byte for byte as the fixtures (authored from go-choria's formats) hold them.</summary>
public sealed class MachineEventTests : IDisposable
{
    private const string InstanceId = "9e8d7c6b-5a49-4382-9160-5f4e3d2c1b0a";
    private static readonly DateTimeOffset s_time = DateTimeOffset.FromUnixTimeSeconds(1578175200);
    private readonly MachineTestKit _kit = new();

    private static string Fixture(string name) => File.ReadAllText(TestPaths.Fixture("server", "examples", name)).TrimEnd('\n');

    private MachineInstance Machine(string watcherYaml)
    {
        _kit.Context = _kit.Context with { Clock = new TestClock(s_time) };
        var yaml = $"""
            name: TestMachine
            version: 0.0.1
            initial_state: unknown
            transitions:
              - name: fire_1
                from: [unknown]
                destination: one
            watchers:
            {watcherYaml}
            """;
        return new MachineInstance(ManifestLoader.Parse(yaml), _kit.Root, _kit.Context, InstanceId);
    }

    [Fact]
    public void A_transition_is_the_fixture_cloudevent()
    {
        var m = Machine("  - {name: watch, type: exec, properties: {command: /usr/bin/true}}");
        Assert.True(m.Transition("fire_1"));
        var n = Assert.Single(_kit.Notifier.Transitions);
        var bytes = MachineEvents.CloudEvent(n, "c0ffee00-1111-4222-8333-444455556666", s_time);
        Assert.Equal(Fixture("machine_transition_cloudevent.json"), Encoding.UTF8.GetString(bytes));
        Assert.Equal("choria.machine.transition", TransitionNotification.Subject);
        Assert.Equal("node1.example.net TestMachine#0.0.1 transitioned via event fire_1: unknown => one", n.ToString());
    }

    [Fact]
    public void An_exec_state_is_the_fixture_cloudevent()
    {
        var m = Machine("  - {name: true_1, type: exec, properties: {command: /usr/bin/true}}");
        var exec = (ExecWatcher)m.Watchers[0];
        exec.Record("success", 2345678);
        var state = exec.CurrentState();
        var json = Encoding.UTF8.GetString(MachineEvents.CloudEvent(state, "d00dfeed-1111-4222-8333-444455556666", s_time));
        Assert.Equal(Fixture("watcher_exec_state_cloudevent.json"), json);
        Assert.Equal("choria.machine.watcher.exec.state", state.Subject);
    }

    [Fact]
    public void A_file_state_is_the_fixture_data()
    {
        var m = Machine("  - {name: config, type: file, properties: {path: /etc/myapp/config.json}}");
        var file = (FileWatcher)m.Watchers[0];
        file.Outcome = "changed";
        Assert.Equal(Fixture("watcher_file_state.json"), Encoding.UTF8.GetString(MachineEvents.Data(file.CurrentState().WriteData)));
    }

    [Fact]
    public async Task A_schedule_state_is_the_fixture_data_once_its_window_opens()
    {
        var clock = new TestClock(new DateTimeOffset(2020, 1, 4, 21, 59, 59, TimeSpan.Zero));
        var m = Machine("  - {name: maintenance, type: schedule, properties: {duration: 1h, schedules: [\"0 22 * * *\"]}}");
        _kit.Context = _kit.Context with { Clock = clock };
        m = new MachineInstance(m.Manifest, _kit.Root, _kit.Context, InstanceId);
        await m.StartAsync(CancellationToken.None);
        try
        {
            await Task.Delay(700);
            Assert.Empty(_kit.Notifier.States);
            clock.Now = s_time;
            await MachineTestKit.WaitUntilAsync(() => !_kit.Notifier.States.IsEmpty, "the schedule to turn on");
            var state = Assert.Single(_kit.Notifier.States);
            Assert.Equal(Fixture("watcher_schedule_state.json"), Encoding.UTF8.GetString(MachineEvents.Data(state.WriteData)));
        }
        finally
        {
            await m.DisposeAsync();
        }
    }

    [Fact]
    public void Cloudevent_times_carry_fractions_only_when_there_are_some()
    {
        Assert.Equal("2020-01-04T22:00:00Z", MachineEvents.Rfc3339(s_time));
        Assert.Equal("2020-01-04T22:00:00.25Z", MachineEvents.Rfc3339(s_time.AddMilliseconds(250)));
    }

    public void Dispose() => _kit.Dispose();
}
