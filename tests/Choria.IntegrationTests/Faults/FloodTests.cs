using System.Diagnostics;
using System.Globalization;
using Choria.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Choria.IntegrationTests.Faults;

/// <summary>
/// A real <c>choria server run</c> under a flood of valid broadcasts and of garbage: memory stays bounded by the
/// queue limits, a legitimate request is still answered, and every message the server took in is accounted for
/// in <c>choria_server_dropped_total{reason}</c> or as a reply.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Process)]
[Trait(TestCategory.Group, TestCategory.Faults)]
public sealed class FloodTests(ITestOutputHelper output)
{
    private const string Node = "flooded.example.net";
    private const long RssLimitKib = 400 * 1024;

    [Fact]
    public async Task A_flood_of_100k_broadcasts_keeps_memory_bounded_counts_every_drop_and_a_direct_request_is_answered()
    {
        await using var scenario = new FaultScenario();
        await scenario.StartBrokerAsync(TestBrokerKind.NatsServer);
        var stats = FreePort.Next();
        var server = await scenario.StartServerAsync(Node, stats);
        await using var client = await ChoriaTestClient.ConnectAsync(scenario.ClientConfig);

        // One signed request replayed 100k times: every copy passes the security checks (within its TTL), so the
        // server does real work for each and the intake queue (1000) overflows.
        var flood = client.Prepare("rpcutil", "{\"action\":\"ping\",\"data\":{}}");
        using var sampler = new RssSampler(server.Process.Id);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 100_000; i++)
        {
            await client.Connection.PublishAsync("mcollective.broadcast.agent.rpcutil", flood.Payload);
        }

        await client.Connection.FlushAsync();
        var published = watch.Elapsed;
        var answered = await AnsweredWithinAsync(client, TimeSpan.FromSeconds(60));
        var accounted = await AccountedAsync(stats, TimeSpan.FromSeconds(60));
        var peak = sampler.Stop();
        var dropped = await DropsAsync(stats);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"100k broadcasts published in {published.TotalSeconds:F1} s; direct request answered after {answered?.TotalSeconds:F1} s; peak RSS {peak / 1024} MiB; server took in {accounted.Total}, replied {accounted.Replies}; dropped {dropped}"));

        Assert.False(server.Process.HasExited, server.Process.Output);
        Assert.NotNull(answered);
        Assert.True(peak < RssLimitKib, $"peak RSS {peak} KiB");
        Assert.True(accounted.Balanced, $"total {accounted.Total} != replies {accounted.Replies} + dropped {accounted.Dropped}");
        Assert.True(accounted.Total > 0);
        // Each drop is counted; the log says so at most once per 10 s instead of once per message.
        var queueFull = server.Process.Lines.Where(l => l.Contains("(QueueFull): the intake queue of 1000 requests is full", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(queueFull);
        Assert.True(queueFull.Count <= 1 + (int)(watch.Elapsed.TotalSeconds / 10), $"{queueFull.Count} queue full lines in {watch.Elapsed.TotalSeconds:F0} s");
    }

    [Fact]
    public async Task Garbage_at_a_server_is_dropped_as_transport_invalid_with_memory_bounded_and_requests_answered()
    {
        await using var scenario = new FaultScenario();
        await scenario.StartBrokerAsync(TestBrokerKind.NatsServer);
        var stats = FreePort.Next();
        var server = await scenario.StartServerAsync(Node, stats);
        await using var client = await ChoriaTestClient.ConnectAsync(scenario.ClientConfig);

        // 50 MiB/s of random 64 KiB messages at the broadcast and node subjects for 60 s, paced (a slower host sends
        // what it can, recorded below), while another client asks the server directly every few seconds.
        using var sampler = new RssSampler(server.Process.Id);
        var duration = TimeSpan.FromSeconds(60);
        const double TargetBytesPerSecond = 50 * 1024 * 1024;
        var garbage = new byte[64 * 1024];
        var watch = Stopwatch.StartNew();
        long bytes = 0, messages = 0;
        var during = Task.Run(async () =>
        {
            await using var asker = await ChoriaTestClient.ConnectAsync(scenario.ClientConfig);
            var (asked, answeredCount) = (0, 0);
            while (watch.Elapsed < duration - TimeSpan.FromSeconds(5))
            {
                asked++;
                answeredCount += (await asker.RpcAsync("rpcutil", "ping", node: Node, timeout: TimeSpan.FromSeconds(5))).Count;
                await Task.Delay(TimeSpan.FromSeconds(2));
            }

            return (asked, answeredCount);
        });
        while (watch.Elapsed < duration)
        {
            Random.Shared.NextBytes(garbage);
            await client.Connection.PublishAsync(messages % 2 == 0 ? "mcollective.broadcast.agent.rpcutil" : $"mcollective.node.{Node}", garbage);
            bytes += garbage.Length;
            messages++;
            if (bytes / TargetBytesPerSecond - watch.Elapsed.TotalSeconds is var ahead and > 0.01)
            {
                await Task.Delay(TimeSpan.FromSeconds(ahead));
            }
        }

        await client.Connection.FlushAsync();
        var rate = bytes / watch.Elapsed.TotalSeconds / (1024 * 1024);
        var (askedDuring, answeredDuring) = await during;
        var answered = await AnsweredWithinAsync(client, TimeSpan.FromSeconds(60));
        var accounted = await AccountedAsync(stats, TimeSpan.FromSeconds(60));
        var peak = sampler.Stop();
        var invalid = await FaultScenario.MetricAsync(stats, "choria_server_dropped_total", "reason=\"transport_invalid\"") ?? 0;
        var drops = await DropsAsync(stats);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{messages} garbage messages ({rate:F1} MiB/s for {watch.Elapsed.TotalSeconds:F0} s); {answeredDuring} of {askedDuring} direct requests answered during it, one after it in {answered?.TotalSeconds:F1} s; peak RSS {peak / 1024} MiB; transport_invalid {invalid}; {drops}"));

        Assert.False(server.Process.HasExited, server.Process.Output);
        Assert.NotNull(answered);
        Assert.True(peak < RssLimitKib, $"peak RSS {peak} KiB");
        Assert.True(invalid > 0);
        Assert.True(answeredDuring > 0, $"none of {askedDuring} direct requests was answered during the flood");
        Assert.True(accounted.Balanced, $"total {accounted.Total} != replies {accounted.Replies} + dropped {accounted.Dropped}");
    }

    /// <summary>Sends a fresh direct rpcutil#ping until one is answered; how long that took, or null.</summary>
    private static async Task<TimeSpan?> AnsweredWithinAsync(ChoriaTestClient client, TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < limit)
        {
            var replies = await client.RpcAsync("rpcutil", "ping", node: Node, timeout: TimeSpan.FromSeconds(5));
            if (replies.Count == 1)
            {
                return watch.Elapsed;
            }
        }

        return null;
    }

    private sealed record Accounting(double Total, double Replies, double Dropped)
    {
        public bool Balanced => Math.Abs(Total - Replies - Dropped) < 0.5;
    }

    /// <summary>Waits until the server's counters settle with every message taken in replied to or dropped.</summary>
    private static async Task<Accounting> AccountedAsync(int stats, TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var now = new Accounting(
                await FaultScenario.MetricAsync(stats, "choria_server_total") ?? 0,
                await FaultScenario.MetricAsync(stats, "choria_server_replies") ?? 0,
                await FaultScenario.MetricAsync(stats, "choria_server_dropped_total") ?? 0);
            if (now.Balanced || watch.Elapsed > limit)
            {
                return now;
            }

            await Task.Delay(500);
        }
    }

    private static async Task<string> DropsAsync(int stats)
    {
        var reasons = new[] { "queue_full", "transport_invalid", "secure_request_invalid", "security_failed", "ttl_expired", "internal_error" };
        var parts = new List<string>();
        foreach (var reason in reasons)
        {
            if (await FaultScenario.MetricAsync(stats, "choria_server_dropped_total", $"reason=\"{reason}\"") is > 0 and var n)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"{reason}={n}"));
            }
        }

        return parts.Count == 0 ? "nothing" : string.Join(", ", parts);
    }

    /// <summary>Peak RSS of a process, sampled every 100 ms.</summary>
    [Fact]
    public async Task A_client_that_stops_reading_its_replies_is_cut_off_as_a_slow_consumer_while_the_server_serves_everyone_else()
    {
        await using var scenario = new FaultScenario();
        await scenario.StartBrokerAsync(TestBrokerKind.ChoriaBroker);
        var stats = FreePort.Next();
        // 64 KiB of facts make every inventory reply big, so the replies held for the stalled reader outgrow the
        // kernel's socket buffers within a few hundred requests even on a slow host (a loaded CI host sent 6,400
        // small replies in 20 s and the buffers absorbed them all).
        var facts = "{" + string.Join(',', Enumerable.Range(0, 64).Select(i => $"\"blob{i}\":\"{new string('x', 1024)}\"")) + "}";
        var server = await scenario.Network.StartServerAsync(Node, factsJson: facts, extraConfig: $"plugin.choria.stats_address = 127.0.0.1\nplugin.choria.stats_port = {stats}\n", readyTimeout: TimeSpan.FromSeconds(120));
        await using var proxy = FaultProxy.Start(scenario.Network.BrokerPort);
        await using var slow = await ChoriaTestClient.ConnectAsync(scenario.Network.WriteClientConfig("slow.mcollective", middlewareHosts: proxy.HostPort));
        await using var client = await ChoriaTestClient.ConnectAsync(scenario.ClientConfig);
        await using var inbox = await slow.Connection.SubscribeAsync("mcollective.reply.slow.mcollective.>");
        await slow.Connection.FlushAsync();

        // The slow client's requests go out (through the other connection: the slow one has stopped moving bytes)
        // and their replies pile up at the broker for a reader that never reads. The broker's write deadline (5 s)
        // decides when to give up on it.
        proxy.Stall();
        using var sampler = new RssSampler(server.Process.Id);
        var watch = Stopwatch.StartNew();
        var sent = 0;
        while (watch.Elapsed < TimeSpan.FromSeconds(40) && await SlowConsumersAsync(scenario.Network.BrokerStatsPort) == 0)
        {
            for (var i = 0; i < 100; i++, sent++)
            {
                var request = slow.Prepare("rpcutil", "{\"action\":\"inventory\",\"data\":{}}");
                await client.Connection.PublishAsync($"mcollective.node.{Node}", request.Payload);
            }

            await client.Connection.FlushAsync();
            await Task.Delay(50);
        }

        var cutOff = watch.Elapsed;
        var slowConsumers = await SlowConsumersAsync(scenario.Network.BrokerStatsPort);
        // Everyone else is served while and after it happens.
        var answered = await AnsweredWithinAsync(client, TimeSpan.FromSeconds(30));
        var peak = sampler.Stop();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{sent} requests for the stalled client; broker counted {slowConsumers} slow consumer(s) after {cutOff.TotalSeconds:F1} s; other client answered after {answered?.TotalSeconds:F1} s; server peak RSS {peak / 1024} MiB"));

        Assert.True(slowConsumers >= 1, $"no slow consumer after {sent} requests in {cutOff.TotalSeconds:F0} s");
        Assert.NotNull(answered);
        Assert.True(peak < RssLimitKib, $"peak RSS {peak} KiB");
        Assert.False(server.Process.HasExited, server.Process.Output);

        // Reading again, the client finds itself disconnected and comes back on its own.
        proxy.Resume();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (slow.Connection.Reconnects == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.True(slow.Connection.Reconnects >= 1, "the cut-off client did not reconnect");
        Assert.Single(await slow.RpcAsync("rpcutil", "ping", node: Node, timeout: TimeSpan.FromSeconds(10)));
    }

    private static async Task<double> SlowConsumersAsync(int brokerStatsPort) =>
        await FaultScenario.MetricAsync(brokerStatsPort, "choria_network_slow_consumers") ?? 0;

    private sealed class RssSampler : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private long _peak;

        public RssSampler(int pid) => _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Interlocked.Exchange(ref _peak, Math.Max(Interlocked.Read(ref _peak), FaultScenario.RssKib(pid)));
                await Task.Delay(100);
            }
        });

        public long Stop()
        {
            _stop.Cancel();
            return Interlocked.Read(ref _peak);
        }

        public void Dispose()
        {
            _stop.Cancel();
            _stop.Dispose();
        }
    }
}
