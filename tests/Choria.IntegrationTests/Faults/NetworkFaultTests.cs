using System.Diagnostics;
using Choria.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Choria.IntegrationTests.Faults;

/// <summary>
/// Latency, a slow link and partitions between the nodes and the broker, made by <see cref="FaultProxy"/>: 50
/// emulated nodes and a real <c>choria server</c> connect through it, the client connects directly.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Process)]
[Trait(TestCategory.Group, TestCategory.Faults)]
public sealed class NetworkFaultTests(ITestOutputHelper output)
{
    private const int FleetSize = 50;

    private static async Task<(FaultScenario Scenario, FaultProxy Proxy, int RealStats, ChoriaServerNode Real)> StartAsync()
    {
        var scenario = new FaultScenario();
        await scenario.StartBrokerAsync();
        var proxy = FaultProxy.Start(scenario.Network.BrokerPort);
        var stats = FreePort.Next();
        var real = await scenario.StartServerAsync("real.example.net", stats, proxy.HostPort);
        await scenario.StartFleetAsync("node-", FleetSize, proxy.HostPort);
        return (scenario, proxy, stats, real);
    }

    [Fact]
    public async Task With_200ms_latency_every_reply_arrives_within_the_timeout()
    {
        var (scenario, proxy, _, _) = await StartAsync();
        await using var _1 = scenario;
        await using var _2 = proxy;
        var nodes = scenario.NodesFile();

        proxy.SetLatency(TimeSpan.FromMilliseconds(200));
        var slow = await scenario.ReqAsync(TimeSpan.FromSeconds(60), "rpcutil", "ping", "--nodes", nodes);
        output.WriteLine($"200 ms each way: {slow.Responses}/{FleetSize + 1} in {slow.Wall.TotalSeconds:F2} s");
        Assert.Equal(0, slow.ExitCode);
        Assert.Equal(FleetSize + 1, slow.Responses);
        // The request and the reply each cross the proxy once.
        Assert.True(slow.Wall >= TimeSpan.FromMilliseconds(400), $"took {slow.Wall}");
    }

    [Fact]
    public async Task On_a_slow_link_replies_within_the_timeout_arrive_and_late_ones_are_reported_missing()
    {
        var (scenario, proxy, _, _) = await StartAsync();
        await using var _1 = scenario;
        await using var _2 = proxy;
        var nodes = scenario.NodesFile();

        // rpcutil#inventory replies are about 1.5 KiB each; 4 KiB/s per connection still lets every node answer.
        proxy.SetBandwidth(4 * 1024);
        var slow = await scenario.ReqAsync(TimeSpan.FromSeconds(60), "rpcutil", "inventory", "--nodes", nodes);
        output.WriteLine($"4 KiB/s per connection: {slow.Responses}/{FleetSize + 1} in {slow.Wall.TotalSeconds:F2} s");
        Assert.Equal(0, slow.ExitCode);
        Assert.Equal(FleetSize + 1, slow.Responses);

        // The emulated nodes share one process but each has its own connection; at 64 bytes/s a reply takes
        // longer than the request's timeout (discovery 2 s + agent 10 s): the client reports those nodes as not
        // answering, exits 0 (no connection was lost) and the servers carry on.
        proxy.SetBandwidth(64);
        var starved = await scenario.ReqAsync(TimeSpan.FromSeconds(60), "rpcutil", "inventory", "--nodes", nodes);
        output.WriteLine($"64 B/s per connection: {starved.Responses}/{FleetSize + 1} in {starved.Wall.TotalSeconds:F2} s");
        Assert.Equal(0, starved.ExitCode);
        Assert.True(starved.Responses < FleetSize + 1);
        Assert.DoesNotContain("lost during the request", starved.Stderr, StringComparison.Ordinal);

        proxy.Clear();
        // The late replies drain, and the nodes answer normally again without reconnecting.
        Assert.NotNull(await scenario.WaitAllAnswerAsync(TimeSpan.FromSeconds(90)));
    }

    [Fact]
    public async Task A_10s_stall_delays_replies_that_still_arrive_within_the_timeout()
    {
        var (scenario, proxy, stats, _) = await StartAsync();
        await using var _1 = scenario;
        await using var _2 = proxy;
        var nodes = scenario.NodesFile();

        // A partition that TCP rides out: nothing moves for 8 s, then everything held is delivered. The request is
        // published in the middle of it with a timeout that outlasts it (discovery timeout 12 s + rpcutil's 2 s;
        // the default 2 + 2 s ends before the link is back) and its replies arrive once the link is back.
        proxy.Stall();
        var watch = Stopwatch.StartNew();
        var req = scenario.StartReq("rpcutil", "ping", "--nodes", nodes, "--discovery-timeout", "12");
        await Task.Delay(TimeSpan.FromSeconds(8));
        proxy.Resume();
        var outcome = FaultScenario.Outcome(req, await req.WaitForExitAsync(TimeSpan.FromSeconds(60)), watch.Elapsed);
        output.WriteLine($"request during an 8 s stall: {outcome.Responses}/{FleetSize + 1} in {outcome.Wall.TotalSeconds:F2} s");
        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal(FleetSize + 1, outcome.Responses);
        Assert.True(outcome.Wall >= TimeSpan.FromSeconds(7), $"took {outcome.Wall}");
        Assert.Equal(0, await FaultScenario.MetricAsync(stats, "choria_connector_reconnections"));
    }

    [Fact]
    public async Task After_a_10s_black_hole_requests_in_it_miss_and_servers_reconnect_and_answer()
    {
        var (scenario, proxy, stats, real) = await StartAsync();
        await using var _1 = scenario;
        await using var _2 = proxy;
        var nodes = scenario.NodesFile();

        proxy.BlackHole();
        var watch = Stopwatch.StartNew();
        var during = await scenario.ReqAsync(TimeSpan.FromSeconds(60), "rpcutil", "ping", "--nodes", nodes);
        output.WriteLine($"request inside the black hole: {during.Responses}/{FleetSize + 1}, exit {during.ExitCode}");
        Assert.Equal(0, during.Responses);
        var remaining = TimeSpan.FromSeconds(10) - watch.Elapsed;
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining);
        }

        proxy.Heal();
        var healed = Stopwatch.StartNew();
        var recovered = await scenario.WaitAllAnswerAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"black hole of {watch.Elapsed.TotalSeconds - healed.Elapsed.TotalSeconds:F1} s; every node answered {recovered?.TotalSeconds:F1} s after it healed");
        Assert.NotNull(recovered);
        Assert.True(await FaultScenario.MetricAsync(stats, "choria_connector_reconnections") >= 1);
        Assert.Contains(real.Process.Lines, l => l.Contains("reconnected", StringComparison.Ordinal));
        var after = await scenario.ReqAsync(TimeSpan.FromSeconds(60), "rpcutil", "ping", "--nodes", nodes);
        Assert.Equal(FleetSize + 1, after.Responses);
    }
}
