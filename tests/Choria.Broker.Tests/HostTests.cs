using Choria.Broker.Hosting;
using Choria.Broker.Network;
using Choria.Framework.Hosting;

namespace Choria.Broker.Tests;

public sealed class HostTests
{
    private sealed class Fake(string name, List<string> events, TimeSpan stopDelay = default, bool failStart = false) : IChoriaComponent
    {
        public string Name => name;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            events.Add("start " + name);
            return failStart ? throw new BrokerStartException(name + " broke") : Task.CompletedTask;
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            events.Add("stop " + name);
            await Task.Delay(stopDelay, cancellationToken);
        }
    }

    private static ChoriaBrokerHost Host(IReadOnlyList<IChoriaComponent> features, IChoriaComponent? stats, double timeoutSeconds = 5) =>
        new(features, stats, TimeSpan.FromSeconds(timeoutSeconds), TestSupport.Logger<ChoriaBrokerHost>());

    [Fact]
    public async Task Refuses_to_start_without_features()
    {
        var ex = await Assert.ThrowsAsync<BrokerConfigException>(() => Host([], new Fake("stats", [])).StartAsync(CancellationToken.None));
        Assert.Equal("all broker features are disabled", ex.Message);
    }

    [Fact]
    public async Task Starts_in_order_and_stops_in_reverse()
    {
        var events = new List<string>();
        var host = Host([new Fake("network", events), new Fake("federation", events)], new Fake("stats", events));
        await host.StartAsync(CancellationToken.None);
        Assert.True(await host.StopAsync(CancellationToken.None));
        Assert.Equal(["start network", "start federation", "start stats", "stop stats", "stop federation", "stop network"], events);
    }

    [Fact]
    public async Task Failed_start_stops_what_already_started()
    {
        var events = new List<string>();
        var host = Host([new Fake("network", events), new Fake("adapters", events, failStart: true)], null);
        await Assert.ThrowsAsync<BrokerStartException>(() => host.StartAsync(CancellationToken.None));
        Assert.Equal(["start network", "start adapters", "stop network"], events);
    }

    [Fact]
    public async Task Stop_gives_up_after_the_soft_timeout()
    {
        var events = new List<string>();
        var host = Host([new Fake("network", events), new Fake("slow", events, TimeSpan.FromMinutes(5))], null, timeoutSeconds: 0.2);
        await host.StartAsync(CancellationToken.None);
        var started = DateTime.UtcNow;
        Assert.False(await host.StopAsync(CancellationToken.None));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(3));
    }
}
