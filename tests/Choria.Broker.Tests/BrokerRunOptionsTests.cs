using Choria.Broker.Hosting;
using Choria.Config;

namespace Choria.Broker.Tests;

public sealed class BrokerRunOptionsTests
{
    private static BrokerRunOptions Load(string text) => BrokerRunOptions.FromConfig(
        ConfigLoader.LoadText("identity = broker1.example.net\n" + text, options: new ConfigLoadOptions { Role = ConfigRole.Broker, Environment = new Dictionary<string, string?>() }).Config);

    [Fact]
    public void Nothing_runs_by_default_and_the_grace_is_the_table_default()
    {
        var options = Load("");

        Assert.Equal((false, false, TimeSpan.FromSeconds(60)), (options.Network, options.Federation, options.SoftShutdownTimeout));
        Assert.Equal(new BrokerRunOptions(), options);
    }

    [Fact]
    public void Feature_switches_and_grace_are_read()
    {
        var options = Load("plugin.choria.broker_network = yes\nplugin.choria.broker_federation = t\nplugin.choria.network.soft_shutdown_timeout = 5\n");

        Assert.Equal((true, true, TimeSpan.FromSeconds(5)), (options.Network, options.Federation, options.SoftShutdownTimeout));
    }
}
