using Choria.Config;
using Choria.Ddl.Ruby;
using Choria.Server.Agents.Providers.Ruby;

namespace Choria.Server.Tests.RubyAgents;

/// <summary>The options the server composition builds from its configuration in one call.</summary>
public sealed class RubyAgentProviderOptionsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("choria-ruby-options-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ChoriaConfig Load(string text)
    {
        var file = Path.Combine(_dir, "server.conf");
        File.WriteAllText(file, "identity = n1.example.net\n" + text);
        return ConfigLoader.Load(file, new ConfigLoadOptions { Role = ConfigRole.Server }).Config;
    }

    [Fact]
    public void Only_the_libdir_is_needed_the_rest_has_defaults()
    {
        var config = Load("""
            plugin.choria.agent_provider.mcorpc.libdir = /opt/agents:/usr/share/agents
            plugin.package.activate_agent = no
            plugin.service.activate_agent = Yes
            plugin.puppet.splay = true
            """);
        var options = RubyAgentProviderOptions.FromConfig(config);
        Assert.Equal(["/opt/agents", "/usr/share/agents"], options.LibDirs);
        Assert.Equal(config.ConfigFile, options.ShimConfig);
        Assert.Equal(RubyAgentProviderOptions.BundledShim() ?? "", options.Shim);
        Assert.Equal("ruby", options.Converter.Ruby);
        Assert.Equal(RubyDdlConverterOptions.DefaultCacheDirectory(), options.Converter.CacheDirectory);
        Assert.Equal(new Dictionary<string, string> { ["package"] = "no", ["service"] = "Yes" }, options.ActivateAgent);
        Assert.False(options.IsActivatedByConfig("package"));
        Assert.True(options.IsActivatedByConfig("service"));
        Assert.True(options.IsActivatedByConfig("puppet"));
    }

    [Fact]
    public void Every_setting_is_honoured()
    {
        var options = RubyAgentProviderOptions.FromConfig(Load("""
            plugin.choria.agent_provider.mcorpc.libdir = /opt/agents
            plugin.choria.agent_provider.mcorpc.agent_shim = /opt/shim.rb
            plugin.choria.agent_provider.mcorpc.config = /etc/mcollective/server.cfg
            plugin.choria.agent_provider.mcorpc.ruby = /opt/puppetlabs/puppet/bin/ruby
            plugin.choria.agent_provider.mcorpc.ddl_cache = /var/cache/choria/ddl
            """));
        Assert.Equal("/opt/shim.rb", options.Shim);
        Assert.Equal("/etc/mcollective/server.cfg", options.ShimConfig);
        Assert.Equal("/opt/puppetlabs/puppet/bin/ruby", options.Converter.Ruby);
        Assert.Equal("/var/cache/choria/ddl", options.Converter.CacheDirectory);
    }
}
