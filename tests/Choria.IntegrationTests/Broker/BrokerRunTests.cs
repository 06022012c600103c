using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Choria.IntegrationTests.Infrastructure;

namespace Choria.IntegrationTests.Broker;

/// <summary>End to end: the real <c>choria broker run</c> supervising nats-server, its stats and its config errors.</summary>
public sealed partial class BrokerRunTests : IAsyncDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ChoriaTestNetwork _network = new();

    public ValueTask DisposeAsync() => _network.DisposeAsync();

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
}
