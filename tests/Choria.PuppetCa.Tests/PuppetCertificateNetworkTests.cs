using System.Globalization;
using System.Text.Json;
using Choria.Security.Dev;

namespace Choria.PuppetCa.Tests;

/// <summary>
/// A broker, two servers and a non-root client, all on the puppet provider with certificates from the real CA
/// obtained by <c>choria enroll</c>, talk over mutual TLS; a client from another CA is kept out.
/// </summary>
[Collection(PuppetServerGroup.Name)]
[Trait(TestCategory.Name, TestCategory.Process)]
[Trait("Requires", PuppetServerGroup.Requires)]
public sealed class PuppetCertificateNetworkTests(PuppetCaFixture ca) : IAsyncLifetime
{
    private const string Node1 = "n1.auto.example.net";
    private const string Node2 = "n2.auto.example.net";
    private const string ClientUser = "ops";

    private readonly List<ManagedProcess> _processes = [];
    private string _clientHome = "";
    private string _clientConfig = "";
    private string _node1Config = "";
    private string _brokerDir = "";
    private int _brokerPort;

    public async Task InitializeAsync()
    {
        var broker = _brokerDir = await ca.NewDirAsync("broker");
        var node1 = await ca.NewDirAsync("node1");
        var node2 = await ca.NewDirAsync("node2");
        _clientHome = await ca.NewDirAsync("client", forUser: true);
        _brokerPort = FreePort.Next();
        var ports = string.Create(CultureInfo.InvariantCulture, $"""
            plugin.choria.middleware_hosts = {PuppetServerProcess.Host}:{_brokerPort}
            """);

        // The broker's certificate is for the name servers and clients connect to.
        var brokerConfig = ca.WriteConfig(broker, PuppetServerProcess.Host, Path.Combine(broker, "ssl"), string.Create(CultureInfo.InvariantCulture, $"""
            plugin.choria.broker_network = true
            plugin.choria.network.listen_address = 127.0.0.1
            plugin.choria.network.client_port = {_brokerPort}
            plugin.choria.network.peer_port = {FreePort.Next()}
            plugin.choria.stats_address = 127.0.0.1
            plugin.choria.stats_port = {FreePort.Next()}
            """));
        var node1Config = _node1Config = ca.WriteConfig(node1, Node1, Path.Combine(node1, "ssl"), ports + ServerSettings(node1));
        var node2Config = ca.WriteConfig(node2, Node2, Path.Combine(node2, "ssl"), ports + ServerSettings(node2));
        _clientConfig = ca.WriteConfig(_clientHome, "client.example.net", extra: ports);

        var enrolled = await Task.WhenAll(
            ca.RunAsync("enroll", "--config", brokerConfig),
            ca.RunAsync("enroll", "--config", node1Config),
            ca.RunAsync("enroll", "--config", node2Config),
            ca.RunAsUserAsync(_clientHome, ClientUser, "enroll", "--config", _clientConfig));
        foreach (var result in enrolled)
        {
            Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        }

        var brokerProcess = Track(ManagedProcess.Start(ca.Choria, ["broker", "run", "--config", brokerConfig], stdin: []));
        await FreePort.WaitListeningAsync(_brokerPort, TimeSpan.FromSeconds(60), () => brokerProcess.HasExited ? brokerProcess.Output : null);
        foreach (var (config, dir) in new[] { (node1Config, node1), (node2Config, node2) })
        {
            var server = Track(ManagedProcess.Start(ca.Choria, ["server", "run", "--config", config, "--pid", Path.Combine(dir, "server.pid")], stdin: []));
            await server.WaitForOutputAsync("ready", TimeSpan.FromSeconds(60));
        }
    }

    public async Task DisposeAsync()
    {
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].DisposeAsync();
        }
    }

    [Fact]
    public async Task Enrolled_non_root_client_pings_and_inventories_both_servers_and_another_ca_is_refused()
    {
        var ping = await ca.RunAsUserAsync(_clientHome, ClientUser, "ping", "-t", "2", "--config", _clientConfig);
        Assert.True(ping.ExitCode == 0, ping.Stdout + ping.Stderr);
        Assert.Contains(Node1, ping.Stdout, StringComparison.Ordinal);
        Assert.Contains(Node2, ping.Stdout, StringComparison.Ordinal);
        Assert.Contains("2 replies", ping.Stdout, StringComparison.Ordinal);

        var inventory = await ca.RunAsUserAsync(_clientHome, ClientUser, "req", "rpcutil", "inventory", "--json", "--config", _clientConfig);
        Assert.True(inventory.ExitCode == 0, inventory.Stdout + inventory.Stderr);
        using var json = JsonDocument.Parse(inventory.Stdout);
        var senders = json.RootElement.GetProperty("replies").EnumerateArray().Select(r => r.GetProperty("sender").GetString()).Order(StringComparer.Ordinal);
        Assert.Equal([Node1, Node2], senders);
        Assert.Equal(2, json.RootElement.GetProperty("request_stats").GetProperty("responses").GetInt32());

        // A client from another CA is kept out by the broker's TLS.
        var dir = await ca.NewDirAsync("foreign");
        using var other = DevCertificateAuthority.Create(Path.Combine(dir, "ca"), "Some Other CA");
        var issued = other.IssueCertificate("foreign.mcollective", [], Path.Combine(dir, "ssl"));
        var config = Path.Combine(dir, "client.conf");
        File.WriteAllText(config, string.Create(CultureInfo.InvariantCulture, $"""
            identity = foreign.mcollective
            plugin.choria.use_srv = false
            plugin.choria.middleware_hosts = {PuppetServerProcess.Host}:{_brokerPort}
            plugin.security.provider = file
            plugin.security.file.certificate = {issued.CertificatePath}
            plugin.security.file.key = {issued.PrivateKeyPath}
            plugin.security.file.ca = {issued.CaPath}
            plugin.security.file.cache = {Path.Combine(dir, "cache")}
            """));

        var refused = await ca.RunAsync("ping", "-t", "2", "--config", config);

        Assert.NotEqual(0, refused.ExitCode);
        Assert.DoesNotContain(Node1, refused.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("replies", refused.Stdout, StringComparison.Ordinal);

        // Past a broker that trusts both CAs, the server itself refuses the foreign client's requests while
        // still answering the Puppet-enrolled one.
        var lenient = await StartLenientBrokerAsync(dir, issued.CaPath);
        var node1Again = Track(ManagedProcess.Start(ca.Choria, ["server", "run", "--config", Rewire(_node1Config, dir, lenient)], stdin: []));
        await node1Again.WaitForOutputAsync("ready", TimeSpan.FromSeconds(60));

        var trusted = await ca.RunAsUserAsync(_clientHome, ClientUser, "ping", "-t", "2", "--config", Rewire(_clientConfig, _clientHome, lenient));
        Assert.True(trusted.ExitCode == 0, trusted.Stdout + trusted.Stderr);
        Assert.Contains(Node1, trusted.Stdout, StringComparison.Ordinal);

        // The foreign client now trusts the broker's Puppet certificate too; only its own certificate is foreign.
        File.AppendAllText(config, $"\nplugin.security.file.ca = {Path.Combine(dir, "both-cas.pem")}\n");
        var ignored = await ca.RunAsync("ping", "-t", "2", "--config", Rewire(config, dir, lenient));
        Assert.DoesNotContain(Node1, ignored.Stdout, StringComparison.Ordinal);
        await node1Again.DisposeAsync();
        Assert.True(
            node1Again.Lines.Any(l => l.Contains("Dropping request", StringComparison.Ordinal) && l.Contains("foreign.mcollective", StringComparison.Ordinal)),
            node1Again.Output);
    }

    /// <summary>A bare nats-server with the broker's Puppet certificate that accepts clients of both CAs.</summary>
    private async Task<int> StartLenientBrokerAsync(string dir, string foreignCa)
    {
        var ssl = Path.Combine(_brokerDir, "ssl");
        var bundle = Path.Combine(dir, "both-cas.pem");
        File.WriteAllText(bundle, File.ReadAllText(Path.Combine(ssl, "certs", "ca.pem")) + File.ReadAllText(foreignCa));
        var port = FreePort.Next();
        var conf = Path.Combine(dir, "lenient.conf");
        File.WriteAllText(conf, string.Create(CultureInfo.InvariantCulture, $$"""
            listen: "127.0.0.1:{{port}}"
            tls {
              cert_file: "{{Path.Combine(ssl, "certs", PuppetServerProcess.Host + ".pem")}}"
              key_file: "{{Path.Combine(ssl, "private_keys", PuppetServerProcess.Host + ".pem")}}"
              ca_file: "{{bundle}}"
              verify: true
            }
            """));
        var nats = Track(ManagedProcess.Start(NatsServerProcess.Binary, ["-c", conf], stdin: []));
        await nats.WaitForOutputAsync("Server is ready", TimeSpan.FromSeconds(30));
        return port;
    }

    /// <summary>A copy of <paramref name="config"/> in <paramref name="dir"/> whose later middleware_hosts line wins.</summary>
    private static string Rewire(string config, string dir, int port)
    {
        var path = Path.Combine(dir, "rewired-" + Path.GetFileName(Path.GetDirectoryName(config)) + ".conf");
        File.WriteAllText(path, File.ReadAllText(config) + string.Create(CultureInfo.InvariantCulture, $"\nplugin.choria.middleware_hosts = {PuppetServerProcess.Host}:{port}\n"));
        File.SetUnixFileMode(path, Choria.Security.UnixFiles.Mode0644);
        return path;
    }

    private static string ServerSettings(string dir)
    {
        File.WriteAllText(Path.Combine(dir, "facts.json"), "{}");
        File.WriteAllText(Path.Combine(dir, "classes.txt"), "");
        return $"""

            plugin.yaml = {Path.Combine(dir, "facts.json")}
            classesfile = {Path.Combine(dir, "classes.txt")}
            loglevel = info
            """;
    }

    private ManagedProcess Track(ManagedProcess process)
    {
        _processes.Add(process);
        return process;
    }
}
