using Choria.Machine.Runtime;
using Microsoft.Extensions.Logging;

namespace Choria.Machine.Tests;

/// <summary>The store: machines added, changed and removed on disk while the host runs.</summary>
[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class MachineHostTests : IDisposable
{
    private readonly MachineTestKit _kit = new();

    private static string Manifest(string version, string command = "/usr/bin/true") => $$"""
        name: Svc
        version: {{version}}
        initial_state: unknown
        transitions:
          - {name: up, from: [unknown], destination: running}
        watchers:
          - {name: check, type: exec, success_transition: up, properties: { command: {{command}} } }
        """;

    [Fact]
    public async Task Machines_are_started_replaced_and_stopped_as_the_store_changes()
    {
        await using var host = new MachineHost(new MachineHostOptions { Store = _kit.Root, ScanInterval = TimeSpan.FromHours(1), ReplaceDelay = TimeSpan.Zero }, _kit.Context);
        var dir = _kit.WriteMachine("svc", Manifest("1.0.0"));
        _kit.WriteMachine(".hidden", Manifest("1.0.0"));
        _kit.WriteMachine("svc-temp", Manifest("1.0.0"));
        Directory.CreateDirectory(Path.Combine(_kit.Root, "not-a-machine"));
        await host.StartAsync(CancellationToken.None);
        var first = Assert.Single(host.Machines);
        Assert.Equal(("Svc", "1.0.0", dir), (first.Name, first.Version, first.Directory));
        await MachineTestKit.WaitUntilAsync(() => first.State == "running", "the first version to run");

        await host.ScanAsync(CancellationToken.None);
        Assert.Same(first, Assert.Single(host.Machines));

        _kit.WriteMachine("svc", Manifest("1.0.1"));
        await host.ScanAsync(CancellationToken.None);
        var second = Assert.Single(host.Machines);
        Assert.Equal("1.0.1", second.Version);
        Assert.NotEqual(first.Id, second.Id);

        Directory.Delete(dir, recursive: true);
        await host.ScanAsync(CancellationToken.None);
        Assert.Empty(host.Machines);
        Assert.Contains(_kit.Loggers.Entries, e => e.Message == $"Machine Svc in {dir} was removed, stopping it");
    }

    [Fact]
    public async Task A_bad_manifest_is_logged_once_and_loaded_when_fixed()
    {
        await using var host = new MachineHost(new MachineHostOptions { Store = _kit.Root, ScanInterval = TimeSpan.FromHours(1) }, _kit.Context);
        var dir = _kit.WriteMachine("svc", Manifest("1.0.0").Replace("destination: running", "destination: 9running", StringComparison.Ordinal));
        await host.StartAsync(CancellationToken.None);
        await host.ScanAsync(CancellationToken.None);
        Assert.Empty(host.Machines);
        var errors = _kit.Loggers.Entries.Where(e => e.Level == LogLevel.Error).Select(e => e.Message).ToList();
        Assert.Equal([$"Could not load machine from {dir}: invalid machine Svc: transitions[0].destination '9running' must match ^[a-zA-Z][a-zA-Z0-9_-]+$"], errors);

        _kit.WriteMachine("svc", Manifest("1.0.0"));
        await host.ScanAsync(CancellationToken.None);
        Assert.Single(host.Machines);
    }

    [Fact]
    public async Task A_missing_store_runs_no_machines_until_it_appears()
    {
        var store = Path.Combine(_kit.Root, "later");
        await using var host = new MachineHost(new MachineHostOptions { Store = store, ScanInterval = TimeSpan.FromMilliseconds(200) }, _kit.Context);
        await host.StartAsync(CancellationToken.None);
        Assert.Empty(host.Machines);
        var dir = Directory.CreateDirectory(Path.Combine(store, "svc")).FullName;
        await File.WriteAllTextAsync(Path.Combine(dir, "machine.yaml"), Manifest("1.0.0"));
        await MachineTestKit.WaitUntilAsync(() => host.Machines.Count == 1, "the periodic scan");
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task A_compiled_in_machine_runs_in_a_directory_it_owns_and_the_scan_leaves_it_alone()
    {
        var compiled = new CompiledMachine(Manifest("2.0.0").Replace("name: Svc", "name: Builtin", StringComparison.Ordinal));
        await using var host = new MachineHost(new MachineHostOptions { Store = _kit.Root, ScanInterval = TimeSpan.FromHours(1), Compiled = [compiled] }, _kit.Context);
        var own = _kit.WriteMachine("svc", Manifest("1.0.0"));
        await host.StartAsync(CancellationToken.None);

        var dir = Path.Combine(_kit.Root, "Builtin");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
        Assert.Equal([("Builtin", "2.0.0", dir), ("Svc", "1.0.0", own)], host.Machines.Select(m => (m.Name, m.Version, m.Directory)));
        var builtin = host.Machines[0];
        await MachineTestKit.WaitUntilAsync(() => builtin.State == "running", "the compiled-in machine to run");

        // A manifest dropped into its directory does not replace it, and it is not "removed" by a scan either.
        _kit.WriteMachine("Builtin", Manifest("3.0.0"));
        await host.ScanAsync(CancellationToken.None);
        await host.ScanAsync(CancellationToken.None);
        Assert.Same(builtin, host.Machines[0]);
        Assert.Equal(2, host.Machines.Count);
        var ignored = Assert.Single(_kit.Loggers.Entries, e => e.Message.StartsWith("Ignoring", StringComparison.Ordinal));
        Assert.Equal((LogLevel.Warning, $"Ignoring {Path.Combine(dir, "machine.yaml")}: the compiled-in machine Builtin owns that directory"), (ignored.Level, ignored.Message));

        await host.StopAsync(CancellationToken.None);
        Assert.Empty(host.Machines);
    }

    [Fact]
    public void A_compiled_in_machine_with_a_bad_manifest_is_refused_when_it_is_made()
    {
        var e = Assert.Throws<Manifest.ManifestException>(() => new CompiledMachine(Manifest("1.0.0").Replace("type: exec", "type: ldap", StringComparison.Ordinal)));
        Assert.Contains("unknown type 'ldap'", e.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _kit.Dispose();
}
