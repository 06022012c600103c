using System.Globalization;
using Choria.Security.Dev;

namespace Choria.IntegrationTests.Infrastructure;

/// <summary>Which broker <see cref="ChoriaTestNetwork.StartBrokerAsync"/> starts.</summary>
public enum TestBrokerKind
{
    /// <summary>A bare mutual-TLS nats-server (fast; enough for server tests).</summary>
    NatsServer,

    /// <summary>Our <c>choria broker run</c> supervising nats-server, with a stats port.</summary>
    ChoriaBroker,
}

/// <summary>Ports for a <c>choria broker run</c> configuration.</summary>
public sealed record BrokerPorts(int Client, int Peer, int Stats)
{
    public static BrokerPorts Free() => new(FreePort.Next(), FreePort.Next(), FreePort.Next());
}

/// <summary>A running <c>choria server</c> process and its files.</summary>
public sealed record ChoriaServerNode(string Identity, string ConfigPath, string Directory, ManagedProcess Process);

/// <summary>
/// A throw-away Choria network for end-to-end tests: a dev CA, a TLS nats-server on a free port and real
/// <c>choria</c> processes. Everything runs in one temp directory and is killed/deleted on dispose.
/// Use one per test class (<c>IClassFixture</c>); processes take a moment to start.
/// </summary>
public sealed class ChoriaTestNetwork : IAsyncDisposable
{
    private readonly List<ManagedProcess> _processes = [];
    private readonly Dictionary<string, IssuedCertificate> _issued = new(StringComparer.Ordinal);
    private readonly DevCertificateAuthority _ca;
    private readonly string? _binary;

    /// <param name="choriaBinary">The <c>choria</c> to run (default <see cref="ChoriaBinary.Path"/>), e.g. one built with plugins.</param>
    public ChoriaTestNetwork(string? choriaBinary = null)
    {
        _binary = choriaBinary;
        Root = Path.Combine(Path.GetTempPath(), "choria-it-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
        SslDir = Path.Combine(Root, "ssl");
        _ca = DevCertificateAuthority.Create(Path.Combine(Root, "ca"));
    }

    public string Root { get; }

    /// <summary>The <c>choria</c> executable this network runs.</summary>
    public string Binary => _binary ?? ChoriaBinary.Path;

    /// <summary>Puppet-layout directory holding every issued certificate (<c>certs/</c>, <c>private_keys/</c>).</summary>
    public string SslDir { get; }

    public string CaPath => _ca.CaPath;

    public int BrokerPort { get; private set; }

    /// <summary><c>localhost:port</c> of the TLS broker (the broker certificate is for <c>localhost</c>).</summary>
    public string BrokerHost => $"localhost:{BrokerPort}";

    public ManagedProcess? Broker { get; private set; }

    /// <summary>Config file of a <see cref="TestBrokerKind.ChoriaBroker"/>; null for a bare nats-server.</summary>
    public string? BrokerConfigPath { get; private set; }

    /// <summary>Stats (HTTP) port of a <see cref="TestBrokerKind.ChoriaBroker"/>; 0 for a bare nats-server.</summary>
    public int BrokerStatsPort { get; private set; }

    /// <summary>
    /// The certificate of <paramref name="certname"/>, issued once: issuing again rewrote the same files while an
    /// earlier broker's nats-server could be reading them (it then saw a new certificate with the old key).
    /// </summary>
    public IssuedCertificate IssueCertificate(string certname)
    {
        lock (_issued)
        {
            if (!_issued.TryGetValue(certname, out var issued))
            {
                _issued[certname] = issued = _ca.IssueCertificate(certname, ["localhost"], SslDir);
            }

            return issued;
        }
    }

    /// <summary>
    /// Starts the broker and waits until it accepts connections: by default a bare nats-server with mutual TLS
    /// against the test CA, or our <c>choria broker run</c> (<paramref name="extraConfig"/> is appended to its config).
    /// </summary>
    public async Task StartBrokerAsync(TestBrokerKind kind = TestBrokerKind.NatsServer, string extraConfig = "", bool interruptIgnored = false, bool hangupIgnored = false)
    {
        if (kind == TestBrokerKind.ChoriaBroker)
        {
            var ports = BrokerPorts.Free();
            var config = WriteBrokerConfig("broker", ports, extraConfig);
            BrokerPort = ports.Client;
            BrokerStatsPort = ports.Stats;
            BrokerConfigPath = config;
            Broker = StartChoriaBroker(config, interruptIgnored, hangupIgnored);
            await WaitForPortAsync(Broker, ports.Client, TimeSpan.FromSeconds(30));
            // The stats listener starts after the network broker is ready (docs/broker.md).
            await WaitForPortAsync(Broker, ports.Stats, TimeSpan.FromSeconds(30));
            return;
        }

        (BrokerPort, Broker) = await StartNatsServerAsync("nats");
    }

    /// <summary>
    /// Starts one more bare nats-server with mutual TLS against the test CA (its config is <c>&lt;name&gt;.conf</c>),
    /// for tests that need several networks; <paramref name="extraConf"/> is appended, e.g. <c>jetstream {}</c>.
    /// </summary>
    public async Task<(int Port, ManagedProcess Process)> StartNatsServerAsync(string name, string extraConf = "")
    {
        var cert = IssueCertificate("localhost");
        var port = FreePort.Next();
        var conf = Path.Combine(Root, name + ".conf");
        await File.WriteAllTextAsync(conf, $$"""
            listen: "127.0.0.1:{{port}}"
            max_payload: 4194304
            tls {
              cert_file: "{{cert.CertificatePath}}"
              key_file: "{{cert.PrivateKeyPath}}"
              ca_file: "{{CaPath}}"
              verify: true
              timeout: 5
            }
            """ + "\n" + extraConf);
        var process = Track(ManagedProcess.Start(NatsServerProcess.Binary, ["-c", conf]));
        await process.WaitForOutputAsync("Server is ready", TimeSpan.FromSeconds(15));
        return (port, process);
    }

    /// <summary>
    /// Writes a <c>choria broker run</c> config named <paramref name="name"/>: network broker on 127.0.0.1 with the
    /// given ports, file security with a <c>localhost</c> certificate, then <paramref name="extraConfig"/>.
    /// Brokers of one cluster need distinct <paramref name="identity"/> values (nats-server <c>server_name</c>).
    /// </summary>
    public string WriteBrokerConfig(string name, BrokerPorts ports, string extraConfig = "", string identity = "localhost")
    {
        var cert = IssueCertificate("localhost");
        var path = Path.Combine(Root, name + ".conf");
        File.WriteAllText(path, $"""
            identity = {identity}
            loglevel = info
            plugin.security.provider = file
            plugin.security.file.certificate = {cert.CertificatePath}
            plugin.security.file.key = {cert.PrivateKeyPath}
            plugin.security.file.ca = {cert.CaPath}
            plugin.security.file.cache = {Path.Combine(Root, "cache-broker")}
            plugin.choria.use_srv = false
            plugin.choria.broker_network = true
            plugin.choria.network.listen_address = 127.0.0.1
            plugin.choria.network.client_port = {ports.Client}
            plugin.choria.network.peer_port = {ports.Peer}
            plugin.choria.stats_address = 127.0.0.1
            plugin.choria.stats_port = {ports.Stats}
            """ + "\n" + extraConfig);
        return path;
    }

    /// <summary>Starts <c>choria broker run --config <paramref name="configPath"/></c> without waiting.</summary>
    public ManagedProcess StartChoriaBroker(string configPath, bool interruptIgnored = false, bool hangupIgnored = false) =>
        Track(ManagedProcess.Start(Binary, ["broker", "run", "--config", configPath], interruptIgnored: interruptIgnored, hangupIgnored: hangupIgnored));

    /// <summary>Waits until something accepts TCP connections on <paramref name="port"/>; fails early when <paramref name="process"/> exits.</summary>
    public static async Task WaitForPortAsync(ManagedProcess process, int port, TimeSpan timeout)
    {
        try
        {
            await FreePort.WaitListeningAsync(port, timeout, () => process.HasExited ? $"exit code {process.ExitCode}" : null);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            throw new InvalidOperationException($"{e.Message}\n{process.Output}", e);
        }
    }

    /// <summary>
    /// Common config lines: file security provider with <paramref name="certname"/>'s files and
    /// <paramref name="middlewareHosts"/> (default: this network's broker).
    /// </summary>
    public string BaseConfig(string certname, string identity, string? middlewareHosts = null)
    {
        var cert = IssueCertificate(certname);
        var cache = Path.Combine(Root, "cache-" + identity);
        return $"""
            identity = {identity}
            plugin.security.provider = file
            plugin.security.file.certificate = {cert.CertificatePath}
            plugin.security.file.key = {cert.PrivateKeyPath}
            plugin.security.file.ca = {cert.CaPath}
            plugin.security.file.cache = {cache}
            plugin.choria.middleware_hosts = {middlewareHosts ?? BrokerHost}
            plugin.choria.use_srv = false
            """ + "\n";
    }

    /// <summary>A client configuration for <paramref name="certname"/> (e.g. <c>rip.mcollective</c>); returns its path.</summary>
    public string WriteClientConfig(string certname, string extra = "", string? middlewareHosts = null)
    {
        var path = Path.Combine(Root, $"client-{certname}.conf");
        File.WriteAllText(path, BaseConfig(certname, certname, middlewareHosts) + "loglevel = warn\n" + extra);
        return path;
    }

    /// <summary>
    /// Writes facts (JSON), classes and a server config for <paramref name="identity"/> and starts
    /// <c>choria server run</c> (or <paramref name="command"/>, e.g. <c>["server"]</c>), returning once it logged
    /// that its subscriptions are ready (within <paramref name="readyTimeout"/>, default 30 s).
    /// </summary>
    public async Task<ChoriaServerNode> StartServerAsync(string identity, string factsJson = "{}", IEnumerable<string>? classes = null, string extraConfig = "", IReadOnlyList<string>? command = null, string? middlewareHosts = null, bool interruptIgnored = false, TimeSpan? readyTimeout = null)
    {
        var dir = Path.Combine(Root, "server-" + identity);
        Directory.CreateDirectory(dir);
        var facts = Path.Combine(dir, "facts.json");
        var classesFile = Path.Combine(dir, "classes.txt");
        await File.WriteAllTextAsync(facts, factsJson);
        await File.WriteAllLinesAsync(classesFile, classes ?? []);
        var config = Path.Combine(dir, "server.conf");
        await File.WriteAllTextAsync(config, BaseConfig(identity, identity, middlewareHosts) + $"""
            plugin.yaml = {facts}
            classesfile = {classesFile}
            loglevel = info
            """ + "\n" + extraConfig);

        var process = Track(ManagedProcess.Start(Binary, [.. command ?? ["server", "run"], "--config", config, "--pid", Path.Combine(dir, "server.pid")], interruptIgnored: interruptIgnored));
        await process.WaitForOutputAsync("ready", readyTimeout ?? TimeSpan.FromSeconds(30));
        return new ChoriaServerNode(identity, config, dir, process);
    }

    /// <summary>Runs <c>choria</c> with <paramref name="arguments"/> to completion (killed after <paramref name="timeout"/>).</summary>
    public async Task<(int ExitCode, string Output)> RunChoriaAsync(IEnumerable<string> arguments, TimeSpan timeout)
    {
        var process = StartChoria(arguments);
        using var cts = new CancellationTokenSource(timeout);
        var code = await process.WaitForExitAsync(cts.Token);
        return (code, process.Output);
    }

    /// <summary>Starts <c>choria</c> with <paramref name="arguments"/> without waiting; killed on dispose.</summary>
    public ManagedProcess StartChoria(IEnumerable<string> arguments) => Track(ManagedProcess.Start(Binary, arguments));

    /// <summary>Stops <paramref name="process"/> with this network, newest first (before the brokers started earlier).</summary>
    public ManagedProcess Track(ManagedProcess process)
    {
        lock (_processes)
        {
            _processes.Add(process);
        }

        return process;
    }

    public async ValueTask DisposeAsync()
    {
        List<ManagedProcess> processes;
        lock (_processes)
        {
            processes = [.. _processes];
        }

        // Servers first, then the broker, so servers do not log reconnect noise while dying.
        for (var i = processes.Count - 1; i >= 0; i--)
        {
            await processes[i].DisposeAsync();
        }

        _ca.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"ChoriaTestNetwork({Root}, broker {BrokerHost})");
}
