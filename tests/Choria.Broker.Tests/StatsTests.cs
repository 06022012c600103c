using System.Text.Json;
using System.Text.RegularExpressions;
using Choria.Broker.Network;
using Choria.Broker.Stats;

namespace Choria.Broker.Tests;

[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class StatsTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task Prometheus_status_and_proxied_monitor_paths_are_served()
    {
        var port = FreePort.Next();
        var statsPort = FreePort.Next();
        await using var sup = new NatsServerSupervisor(TestSupport.Options(_pki, "stats1", port), TestSupport.Logger<NatsServerSupervisor>());
        await sup.StartAsync(CancellationToken.None);
        using var stats = new ChoriaStatsServer(
            new StatsServerOptions { Identity = "stats1", Port = statsPort, ConfigFile = "/etc/choria/broker.conf" }, sup, TestSupport.Logger<ChoriaStatsServer>());
        await stats.StartAsync(CancellationToken.None);
        try
        {
            var (cert, key) = _pki.Issue("statclient");
            await using var client = NatsClients.Tls(port, cert, key, _pki.CaFile);
            await client.ConnectAsync();
            await client.PublishAsync("stats.test", "x");
            await client.PingAsync();
            using var http = new HttpClient { BaseAddress = stats.BaseUri };

            // nats-server adds a connection's message counts to /varz after it answers the PING, so poll briefly.
            var prom = "";
            for (var attempt = 0; attempt < 50; attempt++)
            {
                await stats.PollOnceAsync(CancellationToken.None);
                prom = await http.GetStringAsync("/choria/prometheus");
                if (Regex.IsMatch(prom, "choria_network_in_msgs\\{identity=\"stats1\"\\} [1-9]"))
                {
                    break;
                }

                await Task.Delay(100);
            }

            Assert.Contains("choria_network_connections{identity=\"stats1\"} 1", prom, StringComparison.Ordinal);
            Assert.Matches("choria_network_in_msgs\\{identity=\"stats1\"\\} [1-9]", prom);
            Assert.Contains("choria_broker_supervisor_restarts_total{identity=\"stats1\"} 0", prom, StringComparison.Ordinal);
            Assert.Contains("choria_build_info{", prom, StringComparison.Ordinal);
            Assert.Contains("process_cpu_seconds_total", prom, StringComparison.Ordinal);

            using var status = JsonDocument.Parse(await http.GetStringAsync("/choria/"));
            Assert.Equal("stats1", status.RootElement.GetProperty("identity").GetString());
            Assert.Equal(50000, status.RootElement.GetProperty("build").GetProperty("max_broker_clients").GetInt32());
            Assert.True(status.RootElement.GetProperty("system").GetProperty("rss").GetInt64() > 0);

            using var varz = JsonDocument.Parse(await http.GetStringAsync("/varz"));
            Assert.Equal("stats1", varz.RootElement.GetProperty("server_name").GetString());
            using var connz = JsonDocument.Parse(await http.GetStringAsync("/connz?subs=1"));
            Assert.Equal(1, connz.RootElement.GetProperty("num_connections").GetInt32());
            Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync("/nope")).StatusCode);
        }
        finally
        {
            await stats.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Without_network_broker_stats_serve_choria_paths_only_on_a_wildcard_address()
    {
        var statsPort = FreePort.Next();
        using var stats = new ChoriaStatsServer(
            new StatsServerOptions { Identity = "fed1", Port = statsPort, Address = "0.0.0.0" }, null, TestSupport.Logger<ChoriaStatsServer>());
        await stats.StartAsync(CancellationToken.None);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{statsPort}/") };
            var prom = await http.GetStringAsync("/choria/prometheus");
            Assert.Contains("choria_build_info{", prom, StringComparison.Ordinal);
            Assert.DoesNotContain("choria_network_connections", prom, StringComparison.Ordinal);
            Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync("/varz")).StatusCode);
        }
        finally
        {
            await stats.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Stats_port_in_use_is_a_clear_start_error()
    {
        using var blocker = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        blocker.Start();
        var port = ((System.Net.IPEndPoint)blocker.LocalEndpoint).Port;
        using var stats = new ChoriaStatsServer(new StatsServerOptions { Identity = "x", Port = port }, null, TestSupport.Logger<ChoriaStatsServer>());
        var ex = await Assert.ThrowsAsync<BrokerStartException>(() => stats.StartAsync(CancellationToken.None));
        Assert.Contains($"cannot listen for statistics on 127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
    }
}
