using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Choria.IntegrationTests.Infrastructure;
using NATS.Client.Core;

namespace Choria.IntegrationTests.Broker;

/// <summary>End to end: the real <c>choria broker run</c> supervising nats-server, its stats and its config errors.</summary>
[Trait(TestCategory.Name, TestCategory.Process)]
public sealed partial class BrokerRunTests : IAsyncLifetime, IAsyncDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ChoriaTestNetwork _network = new();

    private int _disposed;

    public Task InitializeAsync() => Task.CompletedTask;

    // xUnit 2 reliably calls IAsyncLifetime.DisposeAsync; brokers left running by a test leaked without it.
    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public ValueTask DisposeAsync() => Interlocked.Exchange(ref _disposed, 1) == 0 ? _network.DisposeAsync() : ValueTask.CompletedTask;

    [GeneratedRegex(@"Started nats-server pid (\d+)")]
    private static partial Regex StartedPid();

    [GeneratedRegex(@"^choria_network_connections(?:\{[^}]*\})? (\S+)$", RegexOptions.Multiline)]
    private static partial Regex ConnectionsGauge();

    private static async Task<string> GetAsync(int port, string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        return await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}{path}"));
    }

    private static bool Alive(int pid)
    {
        // A zombie still has a /proc entry until its parent reaps it; treat it as gone.
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat))
        {
            return false;
        }

        try
        {
            var text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Broker_serves_clients_reports_connections_and_stops_cleanly_on_sigterm()
    {
        await _network.StartBrokerAsync(TestBrokerKind.ChoriaBroker);
        var broker = _network.Broker!;

        // /varz is nats-server's own, reverse-proxied by the stats server (nats-server 2.9 does not report its pid there).
        var varz = JsonDocument.Parse(await GetAsync(_network.BrokerStatsPort, "/varz")).RootElement;
        Assert.Equal(_network.BrokerPort, varz.GetProperty("port").GetInt32());
        Assert.True(varz.GetProperty("tls_verify").GetBoolean());
        var logged = StartedPid().Match(broker.Output);
        Assert.True(logged.Success, "no 'Started nats-server pid' line:\n" + broker.Output);
        var natsPid = int.Parse(logged.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(Alive(natsPid));

        var client = _network.WriteClientConfig("rip.mcollective");
        var sub = _network.StartChoria(["tool", "sub", "e2e.broker", "--config", client]);
        await sub.WaitForOutputAsync("Waiting for messages from topic e2e.broker", s_timeout);

        var deadline = DateTime.UtcNow + s_timeout;
        double connections = 0;
        string metrics = "";
        while (DateTime.UtcNow < deadline)
        {
            metrics = await GetAsync(_network.BrokerStatsPort, "/choria/prometheus");
            var m = ConnectionsGauge().Match(metrics);
            if (m.Success && (connections = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)) >= 1)
            {
                break;
            }

            await Task.Delay(200);
        }

        Assert.True(connections >= 1, "choria_network_connections never reached 1:\n" + metrics);
        await sub.DisposeAsync();

        Assert.Equal(0, await broker.TerminateAsync(s_timeout));
        var gone = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Alive(natsPid) && DateTime.UtcNow < gone)
        {
            await Task.Delay(50);
        }

        Assert.False(Alive(natsPid), $"nats-server pid {natsPid} survived the broker:\n{broker.Output}");
    }

    [Fact]
    public async Task Sigint_stops_a_broker_started_with_sigint_ignored_and_its_nats_server()
    {
        await _network.StartBrokerAsync(TestBrokerKind.ChoriaBroker, interruptIgnored: true);
        var broker = _network.Broker!;
        var natsPid = int.Parse(StartedPid().Match(broker.Output).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.DoesNotContain(2, broker.IgnoredSignals());

        Assert.Equal(0, await broker.InterruptAsync(s_timeout));

        var gone = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Alive(natsPid) && DateTime.UtcNow < gone)
        {
            await Task.Delay(50);
        }

        Assert.False(Alive(natsPid), $"nats-server pid {natsPid} survived the broker:\n{broker.Output}");
    }

    private async Task<string> FailingRunAsync(string name, string extraConfig, BrokerPorts? ports = null)
    {
        var config = _network.WriteBrokerConfig(name, ports ?? BrokerPorts.Free(), extraConfig);
        var (code, output) = await _network.RunChoriaAsync(["broker", "run", "--config", config], s_timeout);
        Assert.True(code != 0, "broker run exited 0:\n" + output);
        var errors = output.Split('\n').Where(l => l.StartsWith("choria:", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 1, "expected one 'choria:' error line:\n" + output);
        return errors[0];
    }

    [Fact]
    public async Task No_features_enabled_is_an_error()
    {
        var error = await FailingRunAsync("nofeatures", "plugin.choria.broker_network = false\nplugin.choria.stats_port = 0\n");
        Assert.Contains("all broker features are disabled", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_tls_file_is_named()
    {
        var error = await FailingRunAsync("badtls", "plugin.security.file.certificate = /nonexistent/e2e-cert.pem\n");
        Assert.Contains("/nonexistent/e2e-cert.pem", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_port_in_use_is_reported()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var error = await FailingRunAsync("portinuse", "", BrokerPorts.Free() with { Client = port });
        Assert.Contains(port.ToString(CultureInfo.InvariantCulture), error, StringComparison.Ordinal);
        Assert.Contains("in use", error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Invalid_peer_url_is_named()
    {
        var error = await FailingRunAsync("badpeer", "plugin.choria.network.peers = nats://localhost:4222/some/path\n");
        Assert.Contains("nats://localhost:4222/some/path", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_value_names_the_file_and_line()
    {
        var error = await FailingRunAsync("badvalue", "plugin.choria.network.client_tls_force_required = maybe\n");
        Assert.Contains("Could not configure Choria", error, StringComparison.Ordinal);
        Assert.Contains("badvalue.conf:", error, StringComparison.Ordinal);
        Assert.Contains("maybe", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_hosts_cannot_be_expressed()
    {
        var error = await FailingRunAsync("clienthosts", "plugin.choria.network.client_hosts = 10.0.0.0/8\n");
        Assert.Contains("plugin.choria.network.client_hosts cannot be expressed", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_nats_server_binary_names_the_debian_package()
    {
        var error = await FailingRunAsync("nobinary", "plugin.choria.network.nats_server_binary = /nonexistent/nats-server\n");
        Assert.Contains("/nonexistent/nats-server", error, StringComparison.Ordinal);
        Assert.Contains("Debian package nats-server", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deny_server_connections_cannot_be_expressed()
    {
        var error = await FailingRunAsync("denyserver", "plugin.choria.network.deny_server_connections = true\n");
        Assert.Contains("plugin.choria.network.deny_server_connections cannot be expressed in nats-server 2.9", error, StringComparison.Ordinal);
    }

    private static int NatsPid(ManagedProcess broker, int index = 0)
    {
        var matches = StartedPid().Matches(broker.Output);
        Assert.True(matches.Count > index, $"no 'Started nats-server pid' line #{index + 1}:\n{broker.Output}");
        return int.Parse(matches[index].Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static async Task<JsonElement> VarzAsync(int statsPort) =>
        JsonDocument.Parse(await GetAsync(statsPort, "/varz")).RootElement;

    private static async Task Eventually(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("timed out waiting for " + what());
            }

            await Task.Delay(100);
        }
    }

    private static bool Signal(int pid, string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        return kill.ExitCode == 0;
    }

    /// <param name="hangupIgnored">Started as under <c>nohup</c>: the broker inherits SIGHUP ignored and must take it back.</param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sighup_reloads_changed_settings_into_the_running_nats_server(bool hangupIgnored)
    {
        await _network.StartBrokerAsync(TestBrokerKind.ChoriaBroker, "plugin.choria.network.write_deadline = 5s\n", hangupIgnored: hangupIgnored);
        var broker = _network.Broker!;
        Assert.DoesNotContain(1, broker.IgnoredSignals());
        var natsPid = NatsPid(broker);
        Assert.Equal(5_000_000_000, (await VarzAsync(_network.BrokerStatsPort)).GetProperty("write_deadline").GetInt64());

        var config = _network.BrokerConfigPath!;
        await File.WriteAllTextAsync(config, (await File.ReadAllTextAsync(config)).Replace("write_deadline = 5s", "write_deadline = 7s", StringComparison.Ordinal));
        Assert.True(Signal(broker.Id, "HUP"));

        long live = 0;
        await Eventually(
            async () => (live = (await VarzAsync(_network.BrokerStatsPort)).GetProperty("write_deadline").GetInt64()) == 7_000_000_000,
            s_timeout,
            () => $"write_deadline 7s, still {live}:\n{broker.Output}");

        // A reload, not a restart: the same child serves on, and the broker did not die of the signal.
        Assert.False(broker.HasExited, broker.Output);
        Assert.Equal(natsPid, NatsPid(broker, StartedPid().Count(broker.Output) - 1));
        Assert.True(Alive(natsPid));
        Assert.Equal(0, await broker.TerminateAsync(s_timeout));
    }

    private NatsConnection Client(int port)
    {
        var cert = _network.IssueCertificate("rip.mcollective");
        return new NatsConnection(new NatsOpts
        {
            Url = $"tls://localhost:{port}",
            Name = "choria-broker-e2e",
            ConnectTimeout = TimeSpan.FromSeconds(5),
            MaxReconnectRetry = -1,
            ReconnectWaitMin = TimeSpan.FromMilliseconds(100),
            ReconnectWaitMax = TimeSpan.FromMilliseconds(300),
            TlsOpts = new NatsTlsOpts { CertFile = cert.CertificatePath, KeyFile = cert.PrivateKeyPath, CaFile = _network.CaPath, Mode = TlsMode.Require },
        });
    }

    /// <summary>Publishes until the subscription sees a message: interest propagates asynchronously over routes and reconnects.</summary>
    private static async Task RoundTripAsync(NatsConnection publisher, NatsConnection subscriber, string subject, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await using var sub = await subscriber.SubscribeCoreAsync<string>(subject, cancellationToken: cts.Token);
        await subscriber.PingAsync(cts.Token);
        while (true)
        {
            try
            {
                await publisher.PublishAsync(subject, "hello", cancellationToken: cts.Token);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
                wait.CancelAfter(250);
                Assert.Equal("hello", (await sub.Msgs.ReadAsync(wait.Token)).Data);
                return;
            }
            catch (OperationCanceledException) when (!cts.IsCancellationRequested)
            {
            }
        }
    }

    [Fact]
    public async Task Killed_nats_server_is_restarted_and_clients_reconnect()
    {
        await _network.StartBrokerAsync(TestBrokerKind.ChoriaBroker);
        var broker = _network.Broker!;
        var first = NatsPid(broker);
        await using var client = Client(_network.BrokerPort);
        await client.ConnectAsync();
        await RoundTripAsync(client, client, "e2e.before", s_timeout);

        Assert.True(Signal(first, "KILL"));
        await Eventually(
            () => Task.FromResult(StartedPid().Count(broker.Output) >= 2 && broker.Output.Contains("exited unexpectedly", StringComparison.Ordinal)),
            s_timeout,
            () => "a restarted nats-server:\n" + broker.Output);
        Assert.NotEqual(first, NatsPid(broker, 1));

        // The same client object reconnects on its own and traffic flows again.
        await RoundTripAsync(client, client, "e2e.after", s_timeout);
        Assert.False(broker.HasExited, broker.Output);
    }

    [Fact]
    public async Task Killed_broker_leaves_no_orphan_nats_server()
    {
        await _network.StartBrokerAsync(TestBrokerKind.ChoriaBroker);
        var broker = _network.Broker!;
        var natsPid = NatsPid(broker);
        Assert.True(Alive(natsPid));

        // SIGKILL only the choria process: pdeathsig must take the child along.
        Assert.True(Signal(broker.Id, "KILL"));
        await Eventually(() => Task.FromResult(!Alive(natsPid)), TimeSpan.FromSeconds(10), () => $"nats-server pid {natsPid} to die with its broker");
    }

    [Fact]
    public async Task Three_broker_cluster_from_peers_survives_losing_broker_two()
    {
        var ports = Enumerable.Range(0, 3).Select(_ => BrokerPorts.Free()).ToArray();
        var peers = string.Join(", ", ports.Select(p => $"nats://localhost:{p.Peer}"));
        var brokers = new ManagedProcess[3];
        for (var i = 0; i < 3; i++)
        {
            var config = _network.WriteBrokerConfig($"cluster{i + 1}", ports[i], $"""
                plugin.choria.network.peers = {peers}
                plugin.choria.network.peer_user = choria_cluster
                plugin.choria.network.peer_password = s3cret
                plugin.choria.network.tls_timeout = 10
                """ + "\n", identity: $"broker{i + 1}");
            brokers[i] = _network.StartChoriaBroker(config);
        }

        for (var i = 0; i < 3; i++)
        {
            await ChoriaTestNetwork.WaitForPortAsync(brokers[i], ports[i].Client, s_timeout);
        }

        await using var c1 = Client(ports[0].Client);
        await using var c3 = Client(ports[2].Client);
        await c1.ConnectAsync();
        await c3.ConnectAsync();
        await RoundTripAsync(c1, c3, "cluster.one", s_timeout);

        // Broker 2 dies hard, child included (no graceful route close).
        var natsPid2 = NatsPid(brokers[1]);
        Assert.True(Signal(brokers[1].Id, "KILL"));
        Signal(natsPid2, "KILL");
        await Eventually(() => Task.FromResult(!Alive(natsPid2)), TimeSpan.FromSeconds(10), () => "broker 2's nats-server to die");

        await RoundTripAsync(c1, c3, "cluster.two", s_timeout);
        await RoundTripAsync(c3, c1, "cluster.three", s_timeout);
        Assert.False(brokers[0].HasExited || brokers[2].HasExited, brokers[0].Output + "\n" + brokers[2].Output);
    }
}
