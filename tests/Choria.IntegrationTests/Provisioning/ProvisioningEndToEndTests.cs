using System.Security.Cryptography;
using Choria.IntegrationTests.Infrastructure;

namespace Choria.IntegrationTests.Provisioning;

/// <summary>
/// Zero-touch provisioning through the real binaries (docs/provisioning.md): a provisioning broker and a main broker
/// (two <c>choria broker run</c>), <c>choria provisioner run</c> with the example helper, and servers of a binary built
/// with a provisioning JWT file that start with no configuration at all. Each server runs in its own UTS namespace
/// so that, like a freshly imaged machine, its identity comes from its host name.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class ProvisioningEndToEndTests : IAsyncLifetime, IAsyncDisposable
{
    private const string Token = "s3cret";
    private static readonly string[] s_nodes = ["n1.example.net", "n2.example.net", "n3.example.net", "n4.example.net", "n5.example.net"];
    private const string Denied = "denied.example.net";

    private readonly ChoriaTestNetwork _network = new();
    private readonly List<ManagedProcess> _processes = [];
    private string _serverBinary = "";
    private int _provisioningPort;
    private string _mainClient = "";
    private string _provisioningClient = "";
    private ManagedProcess? _provisioner;

    public async Task InitializeAsync()
    {
        _serverBinary = await ProvisioningBinary.BuildAsync();
        await _network.StartBrokerAsync(TestBrokerKind.ChoriaBroker);

        // The provisioning broker speaks plain NATS: the JWT says chs=false, so new nodes need no certificate.
        var ports = BrokerPorts.Free();
        _provisioningPort = ports.Client;
        var brokerConfig = _network.WriteBrokerConfig("provisioning-broker", ports, identity: "provisioning-broker");
        var broker = Track(ManagedProcess.Start(ChoriaBinary.Path, ["broker", "run", "--config", brokerConfig], Insecure));
        await ChoriaTestNetwork.WaitForPortAsync(broker, ports.Client, TimeSpan.FromSeconds(60));

        using (var signer = RSA.Create(2048))
        {
            var key = Path.Combine(_network.Root, "jwt-signer.pem");
            await File.WriteAllTextAsync(key, signer.ExportRSAPrivateKeyPem());
            File.Delete(ProvisioningBinary.JwtFile);
            var jwt = await ManagedProcess.RunAsync(_serverBinary,
                ["tool", "jwt", ProvisioningBinary.JwtFile, key, "--token", Token, "--urls", $"127.0.0.1:{_provisioningPort}", "--default", "--insecure"],
                TimeSpan.FromMinutes(1));
            Assert.True(jwt.ExitCode == 0, jwt.Stderr);
        }

        _mainClient = _network.WriteClientConfig("rip.mcollective");
        _provisioningClient = Path.Combine(_network.Root, "provisioning-client.conf");
        await File.WriteAllTextAsync(_provisioningClient, $"""
            identity = provisioner.example.net
            collectives = provisioning
            plugin.security.provider = file
            plugin.choria.middleware_hosts = 127.0.0.1:{_provisioningPort}
            plugin.choria.use_srv = false
            loglevel = warn
            """ + "\n");
    }

    private static Dictionary<string, string> Insecure => new() { ["INSECURE_YES_REALLY"] = "true" };

    [Fact]
    public async Task Five_unconfigured_servers_are_provisioned_into_the_main_collective_and_one_comes_back_after_reprovision()
    {
        foreach (var node in s_nodes.Append(Denied))
        {
            StartServer(node);
        }

        await WaitForAsync(async () => (await ProvisioningPingAsync()).Count == s_nodes.Length + 1, TimeSpan.FromSeconds(90), "all servers answering in the provisioning collective");
        await RefusalsChangeNothingAsync();

        _provisioner = StartProvisioner();
        await WaitForAsync(async () =>
        {
            var seen = await MainPing();
            return s_nodes.All(seen.Contains);
        }, TimeSpan.FromSeconds(180), "all five servers answering choria ping on the main broker");

        foreach (var node in s_nodes)
        {
            await ProvisionedNode.AssertConfiguredAsync(NodeDir(node), node, _network.CaPath);
        }

        // The helper refuses this one: it keeps waiting in provisioning mode, its configuration never written.
        Assert.False(File.Exists(ConfigPath(Denied)));
        Assert.Contains(Denied, await ProvisioningPingAsync());
        Assert.Contains("helper refused to provision the node", _provisioner.Output, StringComparison.Ordinal);

        // Provisioned nodes refuse provisioning actions.
        var configure = await RunAsync(_mainClient, null, "req", "choria_provision", "configure", $"token={Token}", """config={"a":"b"}""", "-I", s_nodes[1]);
        Assert.Contains("Cannot reconfigure a server that is not in provisioning mode", configure.Stdout, StringComparison.Ordinal);

        // reprovision sends n1 back to the provisioning broker, and the provisioner brings it back again.
        var reprovision = await RunAsync(_mainClient, null, "req", "choria_provision", "reprovision", $"token={Token}", "-I", s_nodes[0], "--json");
        Assert.Contains("Restarting after", reprovision.Stdout, StringComparison.Ordinal);
        await WaitForAsync(() => Task.FromResult(File.ReadAllText(ConfigPath(s_nodes[0])).Contains("plugin.choria.server.provision=1", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), "n1 rewriting its configuration for provisioning");
        await WaitForAsync(() => Task.FromResult(File.ReadAllText(ConfigPath(s_nodes[0])).Contains("plugin.choria.server.provision=false", StringComparison.Ordinal)), TimeSpan.FromSeconds(120), "n1 provisioned again");
        await WaitForAsync(async () => (await MainPing()).Contains(s_nodes[0]), TimeSpan.FromSeconds(60), "n1 back on the main broker");
    }

    /// <summary>Wrong token and a bad configuration map give the agent's errors and write nothing.</summary>
    private async Task RefusalsChangeNothingAsync()
    {
        var wrong = await RunAsync(_provisioningClient, Insecure, "req", "choria_provision", "gencsr", "token=wrong", "-I", Denied);
        Assert.Contains("Incorrect provision token supplied", wrong.Stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(NodeDir(Denied), "ssl")));

        var notStrings = await RunAsync(_provisioningClient, Insecure, "req", "choria_provision", "configure", $"token={Token}", """config={"identity":1}""", "-I", Denied);
        Assert.Contains("Could not decode configuration data", notStrings.Stdout, StringComparison.Ordinal);
        var badValue = await RunAsync(_provisioningClient, Insecure, "req", "choria_provision", "configure", $"token={Token}", """config={"loglevel":"noisy"}""", "-I", Denied);
        Assert.Contains("Could not write config: generated configuration could not be parsed", badValue.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(ConfigPath(Denied)));
        Assert.Empty(Directory.GetFiles(NodeDir(Denied), "provision*"));
    }

    private ManagedProcess StartServer(string identity)
    {
        Directory.CreateDirectory(NodeDir(identity));
        return Track(ManagedProcess.Start("unshare",
            ["--uts", "sh", "-c", "hostname \"$0\" && exec \"$1\" server run --config \"$2\"", identity, _serverBinary, ConfigPath(identity)]));
    }

    private ManagedProcess StartProvisioner()
    {
        var caDir = Path.GetDirectoryName(_network.CaPath)!;
        var yaml = Path.Combine(_network.Root, "provisioner.yaml");
        File.WriteAllText(yaml, $"""
            choria_config: {_provisioningClient}
            choria_insecure: true
            helper: {Path.Combine(TestPaths.RepoRoot, "examples", "provisioning", "helper.rb")}
            token: {Token}
            workers: 3
            interval: 2s
            retry_delay: 2s
            max_retry_delay: 10s
            restart_grace: 60s
            restart_splay: 1
            loglevel: info
            """ + "\n");
        return Track(ManagedProcess.Start(ChoriaBinary.Path, ["provisioner", "run", "--config", yaml], new Dictionary<string, string>
        {
            ["CHORIA_CA_CERT"] = _network.CaPath,
            ["CHORIA_CA_KEY"] = Path.Combine(caDir, "ca_key.pem"),
            ["CHORIA_MAIN_BROKERS"] = _network.BrokerHost,
            ["CHORIA_PROVISION_DENY"] = "^denied\\.",
        }));
    }

    private string NodeDir(string identity) => Path.Combine(_network.Root, "node-" + identity);

    private string ConfigPath(string identity) => Path.Combine(NodeDir(identity), "server.conf");

    private async Task<List<string>> ProvisioningPingAsync() =>
        Senders((await RunAsync(_provisioningClient, Insecure, "ping")).Stdout);

    private async Task<List<string>> MainPing() => Senders((await RunAsync(_mainClient, null, "ping")).Stdout);

    private static List<string> Senders(string pingOutput) =>
        [.. pingOutput.Split('\n').Where(l => l.Contains("time=", StringComparison.Ordinal)).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0])];

    private static Task<ProcessResult> RunAsync(string config, Dictionary<string, string>? environment, params string[] args) =>
        ManagedProcess.RunAsync(ChoriaBinary.Path, [.. args, "--config", config], TimeSpan.FromSeconds(60), environment);

    private async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(1000);
        }

        var ping = await RunAsync(_provisioningClient, Insecure, "ping");
        var outputs = $"provisioning ping: {ping.ExitCode} {ping.Stdout} {ping.Stderr}\n" + string.Join("\n----\n", _processes.Select(p => p.Output.Length > 4000 ? p.Output[^4000..] : p.Output));
        Assert.Fail($"timed out waiting for {what}\n{outputs}");
    }

    private ManagedProcess Track(ManagedProcess process)
    {
        _processes.Add(process);
        return process;
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].DisposeAsync();
        }

        await _network.DisposeAsync();
    }
}
