using Choria.Broker.Federation;
using Choria.Config;
using Choria.Connector;

namespace Choria.Broker.Tests.Federation;

public sealed class FederationBrokerOptionsTests
{
    [Fact]
    public void Maps_cluster_identity_and_both_broker_lists()
    {
        var config = Load("""
            identity = fb1.example.net
            plugin.choria.broker_federation = true
            plugin.choria.federation.cluster = production
            plugin.choria.federation_middleware_hosts = fed1.example.net:4222, nats://fed2.example.net:4223
            plugin.choria.middleware_hosts = c1.example.net:4222
            plugin.choria.use_srv = false
            """);

        var options = FederationBrokerOptions.FromConfig(config);

        Assert.Equal("production", options.Cluster);
        Assert.Equal("fb1.example.net", options.Identity);
        Assert.Equal("fed1.example.net:4222,nats://fed2.example.net:4223", options.FederationBrokers.ConfiguredHosts);
        Assert.Equal(BrokerRole.Federation, options.FederationBrokers.Role);
        Assert.False(options.FederationBrokers.UseSrv);
        Assert.Equal("c1.example.net:4222", options.CollectiveBrokers.ConfiguredHosts);
        Assert.Equal(BrokerRole.Middleware, options.CollectiveBrokers.Role);
        Assert.Equal((10, 10, 10), (options.IngestWorkers, options.TransformerWorkers, options.EgestWorkers));
        Assert.Equal((1000, 10000), (options.TransformerQueueCapacity, options.EgestQueueCapacity));
    }

    [Fact]
    public void Cluster_defaults_to_mcollective()
    {
        Assert.Equal("mcollective", FederationBrokerOptions.FromConfig(Load("identity = fb1.example.net")).Cluster);
    }

    [Fact]
    public async Task Resolved_lists_come_from_the_broker_resolver()
    {
        var options = FederationBrokerOptions.FromConfig(Load("""
            identity = fb1.example.net
            plugin.choria.federation_middleware_hosts = fed1.example.net:4222
            plugin.choria.use_srv = false
            """));

        var federation = await FederationTestSupport.Resolver.ResolveAsync(options.FederationBrokers, CancellationToken.None);
        var collective = await FederationTestSupport.Resolver.ResolveAsync(options.CollectiveBrokers, CancellationToken.None);

        Assert.Equal("nats://fed1.example.net:4222", Assert.Single(federation.Hosts).Url);
        Assert.Equal("nats://puppet:4222", Assert.Single(collective.Hosts).Url);
    }

    [Fact]
    public void Client_federation_setting_is_refused_on_a_broker()
    {
        var config = Load("""
            identity = fb1.example.net
            plugin.choria.federation.collectives = production
            """);

        var error = Assert.Throws<ConfigException>(() => FederationBrokerOptions.FromConfig(config));
        Assert.Contains("plugin.choria.federation.collectives", error.Message, StringComparison.Ordinal);
    }

    private static ChoriaConfig Load(string text) =>
        ConfigLoader.LoadText(text, options: new ConfigLoadOptions { Role = ConfigRole.Server, Environment = new Dictionary<string, string?>() }).Config;
}
