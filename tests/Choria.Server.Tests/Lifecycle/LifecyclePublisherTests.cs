using System.Text.Json;
using Choria.Connector;
using Choria.Protocol.Lifecycle;
using Choria.Server.Lifecycle;
using Choria.Server.Runtime;
using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.Server.Tests.Lifecycle;

[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class LifecyclePublisherTests
{
    private static LifecycleOptions Options(bool legacy) => new()
    {
        Identity = "node1.example.net",
        Version = "0.13.0",
        LegacyFormat = legacy,
        AliveInterval = TimeSpan.FromMilliseconds(100),
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Startup_alive_and_shutdown_are_published_in_the_configured_format(bool legacy)
    {
        await using var net = await TestNetwork.StartAsync();
        await using var sub = await net.Observer.SubscribeAsync("choria.lifecycle.event.>");
        await net.Observer.FlushAsync();
        var counters = new ServerCounters();
        var publisher = new LifecyclePublisher(Options(legacy), net.Connection, counters, NullLogger.Instance, random: _ => 0);

        await publisher.StartAsync(CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var received = new List<(ChoriaMessage Message, ParsedLifecycleEvent Event)>();
        await foreach (var message in sub.ReadAllAsync(cts.Token))
        {
            Assert.True(LifecycleEvent.TryParse(message.Data.Span, out var parsed, out var error), error?.Message);
            received.Add((message, parsed));
            if (received.Count(r => r.Event.Event.Type == LifecycleEventType.Alive) == 2)
            {
                break;
            }
        }

        await publisher.StopAsync(CancellationToken.None);
        var shutdownMessage = await sub.ReadAllAsync(cts.Token).FirstAsync(m => m.Subject.Contains(".shutdown.", StringComparison.Ordinal), cts.Token);

        var expectedFormat = legacy ? LifecycleEventFormat.Choria : LifecycleEventFormat.CloudEvent;
        var startup = received[0];
        Assert.Equal("choria.lifecycle.event.startup.server", startup.Message.Subject);
        Assert.Equal(expectedFormat, startup.Event.Format);
        Assert.Equal(("node1.example.net", "server", "0.13.0"), (startup.Event.Event.Identity, startup.Event.Event.Component, startup.Event.Event.Version));
        Assert.Single(received, r => r.Event.Event.Type == LifecycleEventType.Startup);

        var alives = received.Where(r => r.Event.Event.Type == LifecycleEventType.Alive).ToList();
        Assert.All(alives, a => Assert.Equal("choria.lifecycle.event.alive.server", a.Message.Subject));
        Assert.Equal(alives[0].Event.Event, alives[1].Event.Event);
        Assert.Equal(alives[0].Message.Data.ToArray(), alives[1].Message.Data.ToArray());

        Assert.True(LifecycleEvent.TryParse(shutdownMessage.Data.Span, out var shutdown, out _));
        Assert.Equal(LifecycleEventType.Shutdown, shutdown.Event.Type);
        Assert.Null(shutdown.Event.Version);

        using var doc = JsonDocument.Parse(startup.Message.Data);
        Assert.False(doc.RootElement.TryGetProperty("datacontenttype", out _));
        Assert.Equal(legacy, doc.RootElement.TryGetProperty("protocol", out _));
        Assert.True(counters.Events >= 4);
    }

    [Fact]
    public void Provisioning_mode_uses_its_component_and_legacy_setting_is_read()
    {
        var config = Choria.Config.ConfigLoader.LoadText("identity = n1.example.net\nplugin.choria.legacy_lifecycle_format = true\n").Config;
        var options = LifecycleOptions.FromConfig(config, provisioningMode: true);
        Assert.Equal("provision_mode_server", options.Component);
        Assert.True(options.LegacyFormat);
        Assert.Equal("n1.example.net", options.Identity);
        Assert.Equal("server", LifecycleOptions.FromConfig(config, provisioningMode: false).Component);
    }
}
