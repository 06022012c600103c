using System.Text.Json;
using Choria.IntegrationTests.Infrastructure;

namespace Choria.IntegrationTests.Server;

/// <summary>
/// Autonomous agents through the real binaries: <c>choria server run</c> with a machine store, watched with
/// <c>choria machine watch</c> and driven by its files, scripts and <c>choria req choria_util machine_transition</c>.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Process)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class MachineEndToEndTests : IAsyncLifetime
{
    private const string Node = "aa1.example.net";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(40);
    private ChoriaTestNetwork Network { get; } = new();
    private string _clientConfig = "";
    private string _store = "";

    private static string Manifest(string version) => $$"""
        name: Svc
        version: {{version}}
        initial_state: unknown
        transitions:
          - {name: started, from: [unknown, stopped], destination: running}
          - {name: fault, from: [running], destination: stopped}
          - {name: maintenance, from: [running, stopped], destination: maintenance}
          - {name: resume, from: [maintenance], destination: running}
        watchers:
          - name: boot
            type: exec
            state_match: [unknown]
            success_transition: started
            properties: {command: ./boot.sh}
          - name: health
            type: file
            state_match: [running]
            interval: 500ms
            fail_transition: fault
            properties: {path: healthy.flag, gather_initial_state: true}
          - name: restart
            type: exec
            state_match: [stopped]
            interval: 1s
            success_transition: started
            properties: {command: ./restart.sh, timeout: 5s}
          - name: window
            type: schedule
            state_match: [running, stopped]
            success_transition: maintenance
            properties: {duration: 1h, schedules: ["0 0 1 1 *"]}
          - name: maint_timer
            type: timer
            state_match: [maintenance]
            fail_transition: resume
            properties: {timer: 8s}
          - name: beat
            type: nagios
            interval: 1h
            properties: {builtin: heartbeat}
        """;

    public async Task InitializeAsync()
    {
        await Network.StartBrokerAsync();
        _store = Directory.CreateDirectory(Path.Combine(Network.Root, "machines")).FullName;
        _clientConfig = Network.WriteClientConfig("rip.mcollective", "discovery_timeout = 1\n");
    }

    public async Task DisposeAsync() => await Network.DisposeAsync();

    private string WriteMachine(string dirName, string version)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_store, dirName)).FullName;
        foreach (var (name, body) in new[] { ("boot.sh", "#!/bin/sh\nexit 0\n"), ("restart.sh", "#!/bin/sh\ntest -f healthy.flag\n") })
        {
            var path = Path.Combine(dir, name);
            File.WriteAllText(path, body);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        File.WriteAllText(Path.Combine(dir, "healthy.flag"), "ok");
        // Written last and whole: the store must never see a manifest without its scripts.
        var temp = Path.Combine(dir, "machine.yaml.tmp");
        File.WriteAllText(temp, Manifest(version));
        File.Move(temp, Path.Combine(dir, "machine.yaml"), overwrite: true);
        return dir;
    }

    [Fact]
    public async Task A_machine_in_the_store_runs_transitions_on_its_watchers_and_rpc_and_follows_store_changes()
    {
        var watch = Network.StartChoria(["machine", "watch", "--config", _clientConfig]);
        var json = Network.StartChoria(["machine", "watch", "--transitions", "--json", "--machine", "Svc", "--config", _clientConfig]);
        await watch.WaitForOutputAsync("Waiting for events", s_timeout);
        // The JSON watcher prints nothing until events arrive; it connects as fast as the one that says so.
        await Task.Delay(1000);

        var dir = WriteMachine("svc", "1.0.0");
        var textfiles = Directory.CreateDirectory(Path.Combine(Network.Root, "textfile")).FullName;
        var server = await Network.StartServerAsync(Node, extraConfig: $"plugin.choria.machine.store = {_store}\nplugin.choria.prometheus_textfile_directory = {textfiles}\n");

        // The exec watcher moves it out of its initial state.
        await WaitForStateAsync("running");
        var svc = await MachineAsync();
        Assert.Equal("1.0.0", svc.GetProperty("version").GetString());
        Assert.Equal(dir, svc.GetProperty("path").GetString());
        Assert.Equal(["fault", "maintenance"], svc.GetProperty("available_transitions").EnumerateArray().Select(t => t.GetString()));
        var firstId = svc.GetProperty("id").GetString();

        // The nagios heartbeat is written for node-exporter.
        var textfile = Path.Combine(textfiles, "choria_machine_nagios_watcher_status.prom");
        await WaitForAsync(() => File.Exists(textfile) && File.ReadAllText(textfile).Contains("choria_machine_nagios_watcher_status{name=\"Svc\",status=\"OK\"} 0", StringComparison.Ordinal), "the nagios textfile");

        // The file watcher notices the flag going; the restart script fails until it is back.
        File.Delete(Path.Combine(dir, "healthy.flag"));
        await WaitForStateAsync("stopped");
        await Task.Delay(1500);
        Assert.Equal("stopped", (await MachineAsync()).GetProperty("state").GetString());
        await File.WriteAllTextAsync(Path.Combine(dir, "healthy.flag"), "ok");
        await WaitForStateAsync("running");

        // RPC: an invalid transition is refused, a valid one moves it, and the timer (8 s, long enough for two choria req runs) brings it back.
        var bad = await ReqAsync("choria_util", "machine_transition", "name=Svc", "transition=resume");
        Assert.Equal(1, bad.GetProperty("statuscode").GetInt32());
        Assert.Equal("Could not perform resume transition: transition resume is not valid while in running state", bad.GetProperty("statusmsg").GetString());
        Assert.False(bad.GetProperty("data").GetProperty("success").GetBoolean());
        var none = await ReqAsync("choria_util", "machine_transition", "name=Nope", "transition=resume");
        Assert.Equal("Could not perform resume transition: could not find a machine matching criteria name='Nope', version='', path='', id=''", none.GetProperty("statusmsg").GetString());

        var ok = await ReqAsync("choria_util", "machine_transition", $"instance={firstId}", "transition=maintenance");
        Assert.Equal(0, ok.GetProperty("statuscode").GetInt32());
        Assert.True(ok.GetProperty("data").GetProperty("success").GetBoolean());
        Assert.Equal("maintenance", (await MachineAsync()).GetProperty("state").GetString());
        await WaitForStateAsync("running");

        var inventory = (await ReqAsync("rpcutil", "inventory")).GetProperty("data").GetProperty("machines");
        var listed = Assert.Single(inventory.EnumerateArray());
        Assert.Equal(("Svc", "running", "1.0.0"), (listed.GetProperty("name").GetString(), listed.GetProperty("state").GetString(), listed.GetProperty("version").GetString()));

        // Every transition reached both subscribers.
        string[] expected =
        [
            $"{Node} Svc#1.0.0 transitioned via event started: unknown => running",
            $"{Node} Svc#1.0.0 transitioned via event fault: running => stopped",
            $"{Node} Svc#1.0.0 transitioned via event started: stopped => running",
            $"{Node} Svc#1.0.0 transitioned via event maintenance: running => maintenance",
            $"{Node} Svc#1.0.0 transitioned via event resume: maintenance => running",
        ];
        await WaitForAsync(() => expected.All(e => watch.Lines.Any(l => l.EndsWith(e, StringComparison.Ordinal))), "machine watch lines:\n" + watch.Output);
        Assert.Contains(watch.Lines, l => l.Contains($"{Node} Svc#boot exec command: ./boot.sh, previous: success", StringComparison.Ordinal));
        Assert.Contains(watch.Lines, l => l.Contains($"{Node} Svc#health file path: {Path.Combine(dir, "healthy.flag")}: error", StringComparison.Ordinal));
        Assert.Contains(watch.Lines, l => l.Contains($"{Node} Svc#maint_timer timer state: running", StringComparison.Ordinal));
        await WaitForAsync(() => TransitionEvents(json).Count >= expected.Length, "json transitions:\n" + json.Output);
        var events = TransitionEvents(json);
        Assert.Equal(["started", "fault", "started", "maintenance", "resume"], events.Take(5).Select(e => e.GetProperty("data").GetProperty("transition").GetString()));
        var first = events[0];
        Assert.Equal(("1.0", "io.choria.machine", "io.choria.machine.v1.transition", Node), (first.GetProperty("specversion").GetString(), first.GetProperty("source").GetString(), first.GetProperty("type").GetString(), first.GetProperty("subject").GetString()));
        Assert.Equal(firstId, first.GetProperty("data").GetProperty("id").GetString());

        // Replacing machine.yaml reloads it with a new instance; a new directory starts another; removal stops it.
        WriteMachine("svc", "1.0.1");
        WriteMachine("other", "2.0.0");
        await WaitForAsync(async () => (await StatesAsync()).Count == 2 && (await StatesAsync()).All(s => s.GetProperty("state").GetString() == "running" && s.GetProperty("version").GetString() != "1.0.0"), "the reload", 30);
        var reloaded = (await StatesAsync()).Single(s => s.GetProperty("path").GetString() == dir);
        Assert.Equal("1.0.1", reloaded.GetProperty("version").GetString());
        Assert.NotEqual(firstId, reloaded.GetProperty("id").GetString());

        Directory.Delete(dir, recursive: true);
        await WaitForAsync(async () => (await StatesAsync()).Count == 1, "the removal", 30);
        Assert.Equal("2.0.0", Assert.Single(await StatesAsync()).GetProperty("version").GetString());
        Assert.Contains(server.Process.Lines, l => l.Contains($"Machine Svc in {dir} was removed, stopping it", StringComparison.Ordinal));

        // Still answering RPC after all of it.
        Assert.Equal(0, (await ReqAsync("rpcutil", "ping")).GetProperty("statuscode").GetInt32());
        Assert.Equal(0, await server.Process.TerminateAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Validate_and_graph_read_a_machine_directory_offline()
    {
        var dir = WriteMachine("svc", "1.0.0");

        // The server takes any Go duration; validate holds manifests to the schema's whole-unit pattern.
        File.WriteAllText(Path.Combine(dir, "machine.yaml"), Manifest("1.0.0").Replace("interval: 500ms", "interval: 1s", StringComparison.Ordinal));
        var (code, output) = await Network.RunChoriaAsync(["machine", "validate", dir], s_timeout);
        Assert.True(code == 0, output);
        Assert.Contains($"{dir} is has a valid machine.yaml", output, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(dir, "machine.yaml"), Manifest("1.0.0").Replace("interval: 500ms", "interval: 1500ms", StringComparison.Ordinal).Replace("state_match: [stopped]", "state_match: [stoped]", StringComparison.Ordinal));
        (code, output) = await Network.RunChoriaAsync(["machine", "validate", dir], s_timeout);
        Assert.Equal(1, code);
        Assert.Contains("  invalid state stoped in state match for watcher restart", output, StringComparison.Ordinal);
        Assert.Contains("  watchers[1].interval: '1500ms' does not match ^\\d+[hms]$", output, StringComparison.Ordinal);
        Assert.Contains("validation failed", output, StringComparison.Ordinal);

        WriteMachine("svc", "1.0.0");
        (code, output) = await Network.RunChoriaAsync(["machine", "graph", dir], s_timeout);
        Assert.Equal(0, code);
        Assert.Contains("digraph finite_state_machine {", output, StringComparison.Ordinal);
        Assert.Contains("\t\"stopped\" -> \"running\" [ label = \"started\" ];", output, StringComparison.Ordinal);
        Assert.Contains("node [shape = doublecircle]; \"unknown\";", output, StringComparison.Ordinal);
    }

    private static List<JsonElement> TransitionEvents(ManagedProcess json) =>
        [.. json.Lines.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    private async Task<JsonElement> MachineAsync() =>
        Assert.Single(await StatesAsync(), s => s.GetProperty("name").GetString() == "Svc");

    private async Task<List<JsonElement>> StatesAsync()
    {
        var reply = await ReqAsync("choria_util", "machine_states");
        Assert.Equal(0, reply.GetProperty("statuscode").GetInt32());
        var data = reply.GetProperty("data");
        return [.. data.GetProperty("machine_ids").EnumerateArray().Select(id => data.GetProperty("states").GetProperty(id.GetString()!).Clone())];
    }

    private async Task WaitForStateAsync(string state) =>
        await WaitForAsync(async () => (await StatesAsync()).Any(s => s.GetProperty("name").GetString() == "Svc" && s.GetProperty("state").GetString() == state), $"state {state}");

    private static Task WaitForAsync(Func<bool> condition, string what, double seconds = 20) =>
        WaitForAsync(() => Task.FromResult(condition()), what, seconds);

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what, double seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(250);
        }
    }

    private async Task<JsonElement> ReqAsync(string agent, string action, params string[] inputs)
    {
        var (code, output) = await Network.RunChoriaAsync(["req", agent, action, .. inputs, "-I", Node, "--json", "--config", _clientConfig], s_timeout);
        var start = output.IndexOf('{', StringComparison.Ordinal);
        Assert.True(start >= 0, $"exit {code}:\n{output}");
        using var doc = JsonDocument.Parse(output[start..(output.LastIndexOf('}') + 1)]);
        return Assert.Single(doc.RootElement.GetProperty("replies").EnumerateArray()).Clone();
    }
}
