using System.Text.Json;
using Choria.Config.Build;
using Choria.Server.Metrics;
using Choria.Server.Runtime;
using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.Server.Tests.Metrics;

[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class ServerMetricsTests
{
    private static readonly string[] s_serverNames =
        ["total", "validated", "unvalidated", "passed", "filtered", "replies", "ttlexpired", "events"];

    [Fact]
    public async Task Http_endpoint_serves_live_counter_values_json_and_404()
    {
        var counters = new ServerCounters();
        var port = FreePort.Next();
        var metrics = new ServerMetrics(
            new ServerMetricsOptions { Identity = "node1.example.net", StatsPort = port, ConfigFile = "/etc/choria/server.conf" },
            counters,
            () => null,
            Prometheus.Metrics.NewCustomRegistry(),
            new BuildSettings { Version = "1.2.3", Sha = "abc" },
            NullLogger.Instance);
        await metrics.StartAsync(CancellationToken.None);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            counters.IncrementTotal();
            counters.IncrementTotal();
            counters.MarkValidated(1);
            counters.IncrementEvents();
            counters.Drop(DropReason.TtlExpired);
            metrics.ObserveAction("rpcutil", "ping", 0, 0.01);

            var text = await http.GetStringAsync(new Uri("/choria/prometheus", UriKind.Relative));
            foreach (var name in s_serverNames)
            {
                Assert.Contains($"choria_server_{name}{{identity=\"node1.example.net\"}}", text, StringComparison.Ordinal);
            }

            Assert.Contains("choria_server_total{identity=\"node1.example.net\"} 2", text, StringComparison.Ordinal);
            Assert.Contains("choria_server_validated{identity=\"node1.example.net\"} 1", text, StringComparison.Ordinal);
            Assert.Contains("choria_server_events{identity=\"node1.example.net\"} 1", text, StringComparison.Ordinal);
            Assert.Contains("choria_server_dropped_total{identity=\"node1.example.net\",reason=\"ttl_expired\"} 1", text, StringComparison.Ordinal);
            Assert.Contains("choria_server_agent_action_duration_seconds_count{identity=\"node1.example.net\",agent=\"rpcutil\",action=\"ping\",status=\"ok\"} 1", text, StringComparison.Ordinal);
            Assert.Contains("choria_build_info{version=\"1.2.3\",sha=\"abc\"} 1", text, StringComparison.Ordinal);

            counters.IncrementTotal();
            var again = await http.GetStringAsync(new Uri("/choria/prometheus", UriKind.Relative));
            Assert.Contains("choria_server_total{identity=\"node1.example.net\"} 3", again, StringComparison.Ordinal);

            using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri("/choria/", UriKind.Relative)));
            Assert.Equal("node1.example.net", json.RootElement.GetProperty("identity").GetString());
            Assert.Equal("/etc/choria/server.conf", json.RootElement.GetProperty("config_file").GetString());
            Assert.Equal("1.2.3", json.RootElement.GetProperty("build").GetProperty("version").GetString());
            Assert.True(json.RootElement.GetProperty("system").GetProperty("rss").GetInt64() > 0);

            using var missing = await http.GetAsync(new Uri("/other", UriKind.Relative));
            Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
        }
        finally
        {
            await metrics.StopAsync(CancellationToken.None);
        }

        using var after = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => after.GetAsync(new Uri($"http://127.0.0.1:{port}/choria/")));
    }

    [Fact]
    public async Task Connector_counters_come_from_the_connection()
    {
        await using var net = await TestNetwork.StartAsync();
        var registry = Prometheus.Metrics.NewCustomRegistry();
        _ = new ServerMetrics(new ServerMetricsOptions { Identity = "n1" }, new ServerCounters(), () => net.Connection, registry, new BuildSettings(), NullLogger.Instance);

        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        var text = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        Assert.Contains("choria_connector_initial_connection_attempts 1", text, StringComparison.Ordinal);
        Assert.Contains("choria_connector_reconnections 0", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DropReason.TtlExpired, "ttl_expired")]
    [InlineData(DropReason.QueueFull, "queue_full")]
    [InlineData(DropReason.Filtered, "filtered")]
    public void Drop_reasons_are_snake_case_labels(DropReason reason, string label) =>
        Assert.Equal(label, ServerMetrics.ReasonLabel(reason));
}
