using Choria.Broker.Adapters;
using Choria.Config;

namespace Choria.Broker.Tests.Adapters;

public sealed class AdapterOptionsTests
{
    [Fact]
    public void Maps_every_adapter_key()
    {
        var options = Map("""
            plugin.choria.adapter.reg.type = jetstream
            plugin.choria.adapter.reg.queue_len = 500
            plugin.choria.adapter.reg.stream.servers = js1.example.net:4222,js2.example.net:4222
            plugin.choria.adapter.reg.stream.topic = choria.registration.%s
            plugin.choria.adapter.reg.stream.workers = 4
            plugin.choria.adapter.reg.ingest.topic = mcollective.broadcast.agent.registration
            plugin.choria.adapter.reg.ingest.protocol = request
            plugin.choria.adapter.reg.ingest.workers = 3
            """);

        Assert.Equal("reg", options.Name);
        Assert.Equal(AdapterType.JetStream, options.Type);
        Assert.Equal("jetstream", options.OutputKind);
        Assert.Equal(500, options.QueueLength);
        Assert.Equal("js1.example.net:4222,js2.example.net:4222", options.StreamBrokers.ConfiguredHosts);
        Assert.Equal("choria.registration.%s", options.StreamTopic);
        Assert.Equal(4, options.StreamWorkers);
        Assert.Equal("mcollective.broadcast.agent.registration", options.IngestTopic);
        Assert.Equal(AdapterIngestProtocol.Request, options.IngestProtocol);
        Assert.Equal(3, options.IngestWorkers);
        Assert.Equal("c1.example.net:4222", options.CollectiveBrokers.ConfiguredHosts);
        Assert.Equal("broker.example.net", options.Identity);
    }

    [Fact]
    public void Defaults_follow_the_spec()
    {
        var options = Map("""
            plugin.choria.adapter.reg.type = choria_streams
            plugin.choria.adapter.reg.ingest.topic = mcollective.reply.>
            """);

        Assert.Equal(AdapterType.ChoriaStreams, options.Type);
        Assert.Equal("choria_streams", options.OutputKind);
        Assert.Equal(1000, options.QueueLength);
        Assert.Equal("reg", options.StreamTopic);
        Assert.Equal((10, 10), (options.StreamWorkers, options.IngestWorkers));
        Assert.Equal(AdapterIngestProtocol.Reply, options.IngestProtocol);
        Assert.Equal("c1.example.net:4222", options.StreamBrokers.ConfiguredHosts);
    }

    [Theory]
    [InlineData("plugin.choria.adapter.reg.ingest.topic = x", "could not determine type for adapter reg, set plugin.choria.adapter.reg.type")]
    [InlineData("plugin.choria.adapter.reg.type = nats_stream\nplugin.choria.adapter.reg.ingest.topic = x", "use type = jetstream")]
    [InlineData("plugin.choria.adapter.reg.type = jetstream", "no ingest topic configured")]
    [InlineData("plugin.choria.adapter.reg.type = jetstream\nplugin.choria.adapter.reg.ingest.topic = x\nplugin.choria.adapter.reg.stream.servers = nohostport", "stream.servers")]
    public void Invalid_settings_fail_with_a_clear_message(string text, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => Map(text));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_integer_numbers_are_refused()
    {
        Assert.Throws<ConfigException>(() => Map("""
            plugin.choria.adapter.reg.type = jetstream
            plugin.choria.adapter.reg.ingest.topic = x
            plugin.choria.adapter.reg.queue_len = 1000 # default
            """));
    }

    [Theory]
    [InlineData("queue_len")]
    [InlineData("stream.workers")]
    [InlineData("ingest.workers")]
    public void Counts_below_the_table_minimum_are_refused(string key)
    {
        var error = Assert.Throws<ConfigException>(() => Map($"""
            plugin.choria.adapter.reg.type = jetstream
            plugin.choria.adapter.reg.ingest.topic = x
            plugin.choria.adapter.reg.{key} = 0
            """));
        Assert.Equal("plugin.choria.adapter.reg." + key, error.Key);
    }

    [Fact]
    public void Record_defaults_are_the_configuration_defaults()
    {
        var mapped = Map("""
            plugin.choria.adapter.reg.type = jetstream
            plugin.choria.adapter.reg.ingest.topic = x
            """);
        var built = new AdapterOptions { Name = "reg", StreamTopic = "reg", IngestTopic = "x" };

        Assert.Equal((mapped.QueueLength, mapped.StreamWorkers, mapped.IngestWorkers, mapped.IngestProtocol), (built.QueueLength, built.StreamWorkers, built.IngestWorkers, built.IngestProtocol));
    }

    [Fact]
    public void All_adapters_named_in_the_list_are_mapped()
    {
        var config = Load("""
            plugin.choria.adapters = reg, disc
            plugin.choria.adapter.reg.type = jetstream
            plugin.choria.adapter.reg.ingest.topic = a
            plugin.choria.adapter.disc.type = jetstream
            plugin.choria.adapter.disc.ingest.topic = b
            """);

        Assert.Equal(["reg", "disc"], AdapterOptions.AllFromConfig(config).Select(a => a.Name));
    }

    private static AdapterOptions Map(string text) => AdapterOptions.FromConfig(Load(text), "reg");

    private static ChoriaConfig Load(string text) =>
        ConfigLoader.LoadText($"identity = broker.example.net\nplugin.choria.middleware_hosts = c1.example.net:4222\n{text}\n", options: new ConfigLoadOptions { Role = ConfigRole.Server, Environment = new Dictionary<string, string?>() }).Config;
}
