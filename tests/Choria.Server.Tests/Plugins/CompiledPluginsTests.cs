using Choria.Sdk;
using Choria.Server.Plugins;

namespace Choria.Server.Tests.Plugins;

public class CompiledPluginsTests
{
    [Theory]
    [InlineData(PluginType.Agent, "x is not a valid agent plugin")]
    [InlineData(PluginType.AgentProvider, "x is not a valid agent provider plugin")]
    [InlineData(PluginType.Data, "x is not a valid data plugin")]
    [InlineData((PluginType)9, "unknown plugin type 9 from x")]
    [InlineData(PluginType.Unknown, "unknown plugin type 0 from x")]
    [InlineData(PluginType.ProvisionTargetResolver, "x is not a valid provision target resolver plugin")]
    [InlineData(PluginType.ConfigMutator, "x is not a valid config mutator plugin")]
    [InlineData(PluginType.MachineWatcher, "x is not a valid machine watcher plugin")]
    [InlineData(PluginType.Machine, "x is not a valid machine plugin")]
    public void A_plugin_that_does_not_fit_its_kind_is_refused_by_name(PluginType type, string error)
    {
        var e = Assert.Throws<PluginRegistrationException>(() => new CompiledPlugins().Register("x", new Raw(type, "not the right thing")));
        Assert.Equal(error, e.Message);
    }

    [Fact]
    public void A_plugin_of_another_kind_than_its_entry_declares_is_refused()
    {
        var plugin = new AgentPlugin("x", "1.0.0", _ => throw new InvalidOperationException());
        var e = Assert.Throws<PluginRegistrationException>(() => new CompiledPlugins().Register("x", plugin, PluginSource.User, PluginType.Data));
        Assert.Equal("x is of kind agent but its entry declares kind data", e.Message);
    }

    [Fact]
    public void Registered_plugins_keep_their_order_kind_and_version()
    {
        var registry = new CompiledPlugins();
        registry.Register("b", new AgentPlugin("b", "2.0.0", _ => throw new InvalidOperationException()));
        registry.Register("a", new AgentPlugin("a", "1.0.0", _ => throw new InvalidOperationException()));

        Assert.Equal(["b:agent:2.0.0", "a:agent:1.0.0"], registry.All.Select(p => $"{p.Name}:{p.Kind}:{p.Version}"));
        Assert.Empty(registry.DataPlugins);
    }

    internal sealed class Raw(PluginType type, object instance) : IPluggable
    {
        public object PluginInstance => instance;

        public string PluginName => "x";

        public PluginType PluginType => type;

        public string PluginVersion => "1";
    }
}
