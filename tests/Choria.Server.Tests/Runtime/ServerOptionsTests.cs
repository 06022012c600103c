using Choria.Config;
using Choria.Protocol.Filters;
using Choria.Server.Runtime;

namespace Choria.Server.Tests.Runtime;

public sealed class ServerOptionsTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private ServerOptions Load(string text)
    {
        var file = Path.Combine(_dir.Path, "server.conf");
        File.WriteAllText(file, text);
        return ServerOptions.FromConfig(ConfigLoader.Load(file, new ConfigLoadOptions
        {
            Role = ConfigRole.Server,
            Environment = new Dictionary<string, string?>(),
            HostnameProvider = () => "host.example.net",
        }).Config);
    }

    [Fact]
    public void Maps_every_server_setting()
    {
        var options = Load("""
            identity = node1.example.net
            collectives = mcollective,other
            main_collective = other
            classesfile = /tmp/classes.txt
            plugin.yaml = /tmp/a.yaml:/tmp/b.json
            rpcauthorization = 1
            plugin.actionpolicy.enable_default = true
            plugin.actionpolicy.default_name = fallback
            rpcaudit = 1
            plugin.rpcaudit.logfile = /var/log/audit.log
            libdir = /opt/lib
            soft_shutdown_timeout = 7
            """);

        Assert.Equal("node1.example.net", options.Identity);
        Assert.Equal(["mcollective", "other"], options.Collectives);
        Assert.Equal("other", options.MainCollective);
        Assert.Equal("/tmp/classes.txt", options.ClassesFile);
        Assert.Equal("/tmp/a.yaml:/tmp/b.json", options.FactsFiles);
        Assert.True(options.RpcAuthorization);
        Assert.Equal(Path.Combine(_dir.Path, "policies"), options.ActionPolicy.PolicyDirectory);
        Assert.True(options.ActionPolicy.EnableDefault);
        Assert.Equal("fallback", options.ActionPolicy.DefaultName);
        Assert.True(options.RpcAudit);
        Assert.Equal("/var/log/audit.log", options.Audit.LogFile);
        Assert.Equal(["/opt/lib/mcollective/agent"], options.DdlDirectories);
        Assert.Equal(TimeSpan.FromSeconds(7), options.SoftShutdownTimeout);
        Assert.Equal(CompoundMode.Evaluate, options.Compound);
        Assert.Equal(_dir.Path + "/server.conf", options.ConfigFile);
        Assert.Equal(ServerOptions.DefaultQueueSize, options.QueueSize);
        Assert.True(options.Concurrency >= 10);
    }

    [Fact]
    public void Defaults_follow_the_spec()
    {
        var options = Load("identity = n1.example.net\n");

        Assert.Equal(["mcollective"], options.Collectives);
        Assert.Equal("mcollective", options.MainCollective);
        Assert.False(options.RpcAuthorization);
        Assert.False(options.RpcAudit);
        Assert.Equal(TimeSpan.FromSeconds(2), options.SoftShutdownTimeout);
        Assert.Equal("/opt/puppetlabs/puppet/cache/state/classes.txt", options.ClassesFile);
    }

    [Fact]
    public void Concurrency_and_queue_length_are_settings()
    {
        var options = Load("identity = n1.example.net\nplugin.choria.server.concurrency = 3\nplugin.choria.server.queue_length = 7\n");
        Assert.Equal(3, options.Concurrency);
        Assert.Equal(7, options.QueueSize);

        var defaults = Load("identity = n1.example.net\nplugin.choria.server.concurrency = 0\n");
        Assert.Equal(ServerOptions.DefaultConcurrency, defaults.Concurrency);
        Assert.Equal(ServerOptions.DefaultQueueSize, defaults.QueueSize);
    }

    [Theory]
    [InlineData("plugin.choria.server.concurrency = -1")]
    [InlineData("plugin.choria.server.concurrency = lots")]
    [InlineData("plugin.choria.server.queue_length = 0")]
    [InlineData("plugin.choria.server.queue_length = 1000001")]
    public void Concurrency_and_queue_length_are_validated(string line)
    {
        var e = Assert.Throws<ConfigException>(() => Load("identity = n1.example.net\n" + line + "\n"));
        Assert.Contains("invalid value", e.Message, StringComparison.Ordinal);
    }
}
