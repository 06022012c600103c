using System.Globalization;
using System.Security.Cryptography;
using Choria.IntegrationTests.Infrastructure;

namespace Choria.IntegrationTests.Provisioning;

/// <summary>
/// The fleet emulator's provisioning mode, which bench/provision.sh drives with 1,000 nodes (docs/performance.md):
/// unconfigured in-process nodes built from a provisioning JWT are provisioned by the real <c>choria provisioner run</c>
/// with the example helper, restart into the main collective with certificates from the main CA and answer
/// <c>choria ping</c> there.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class EmulatedProvisioningTests : IAsyncLifetime, IAsyncDisposable
{
    private const string Token = "emulated-token";
    private const int Nodes = 5;

    private readonly ChoriaTestNetwork _network = new();

    public Task InitializeAsync() => _network.StartBrokerAsync(TestBrokerKind.ChoriaBroker);

    [Fact]
    public async Task Emulated_nodes_are_provisioned_restart_into_the_main_collective_and_answer_ping_there()
    {
        var insecure = new Dictionary<string, string> { ["INSECURE_YES_REALLY"] = "true" };
        var ports = BrokerPorts.Free();
        var broker = Track(ManagedProcess.Start(ChoriaBinary.Path, ["broker", "run", "--config", _network.WriteBrokerConfig("provisioning-broker", ports, identity: "provisioning-broker")], insecure));
        await ChoriaTestNetwork.WaitForPortAsync(broker, ports.Client, TimeSpan.FromSeconds(60));

        var jwt = Path.Combine(_network.Root, "provisioning.jwt");
        using (var signer = RSA.Create(2048))
        {
            var key = Path.Combine(_network.Root, "jwt-signer.pem");
            await File.WriteAllTextAsync(key, signer.ExportRSAPrivateKeyPem());
            var made = await ManagedProcess.RunAsync(ChoriaBinary.Path,
                ["tool", "jwt", jwt, key, "--token", Token, "--urls", $"127.0.0.1:{ports.Client}", "--default", "--insecure"], TimeSpan.FromMinutes(1));
            Assert.True(made.ExitCode == 0, made.Stderr);
        }

        var fleetDir = Path.Combine(_network.Root, "fleet");
        var fleet = Track(ManagedProcess.Start(EmulatorBinary.Path,
            ["provision", "--dir", fleetDir, "--instances", Nodes.ToString(CultureInfo.InvariantCulture), "--jwt", jwt, "--bring-back", "--identity-prefix", "emu-"]));
        await fleet.WaitForOutputAsync("ready ", TimeSpan.FromSeconds(60));

        var client = Path.Combine(_network.Root, "provisioner-client.conf");
        await File.WriteAllTextAsync(client, $"""
            identity = provisioner.example.net
            collectives = provisioning
            plugin.security.provider = file
            plugin.choria.middleware_hosts = 127.0.0.1:{ports.Client}
            plugin.choria.use_srv = false
            loglevel = warn
            """ + "\n");
        var yaml = Path.Combine(_network.Root, "provisioner.yaml");
        await File.WriteAllTextAsync(yaml, $"""
            choria_config: {client}
            choria_insecure: true
            helper: {Path.Combine(TestPaths.RepoRoot, "examples", "provisioning", "helper.rb")}
            token: {Token}
            workers: 2
            restart_splay: 1
            """ + "\n");
        var provisioner = Track(ManagedProcess.Start(ChoriaBinary.Path, ["provisioner", "run", "--config", yaml], new Dictionary<string, string>
        {
            ["CHORIA_CA_CERT"] = _network.CaPath,
            ["CHORIA_CA_KEY"] = Path.Combine(Path.GetDirectoryName(_network.CaPath)!, "ca_key.pem"),
            ["CHORIA_MAIN_BROKERS"] = _network.BrokerHost,
        }));

        try
        {
            await fleet.WaitForOutputAsync($"back {Nodes} at ", TimeSpan.FromSeconds(90));
        }
        catch (TimeoutException)
        {
            Assert.Fail($"the emulated nodes did not all come back\nemulator:\n{fleet.Output}\nprovisioner:\n{provisioner.Output}");
        }

        var identities = Enumerable.Range(0, Nodes).Select(i => "emu-" + i.ToString(CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Nodes, provisioner.Lines.Count(l => l.Contains("it is restarting into its new configuration", StringComparison.Ordinal)));
        var ping = await ManagedProcess.RunAsync(ChoriaBinary.Path, ["ping", "--config", _network.WriteClientConfig("rip.mcollective")], TimeSpan.FromSeconds(60));
        var answered = ping.Stdout.Split('\n').Where(l => l.Contains("time=", StringComparison.Ordinal)).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]).Order().ToList();
        Assert.Equal(identities, answered);

        foreach (var identity in identities)
        {
            await ProvisionedNode.AssertConfiguredAsync(Path.Combine(fleetDir, identity), identity, _network.CaPath);
        }
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public ValueTask DisposeAsync() => _network.DisposeAsync();

    private ManagedProcess Track(ManagedProcess process) => _network.Track(process);
}
