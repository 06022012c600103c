namespace Choria.Config.Tests;

public class LoaderTests
{
    [Fact]
    public void Plugin_d_files_are_prefixed_applied_alphabetically_and_override_the_main_file()
    {
        using var dir = new TempDir();
        var main = dir.Write("server.conf", "plugin.choria.use_srv = true\nplugin.choria.stats_port = 1\nttl = 30\n");
        dir.Write("plugin.d/choria.cfg", "use_srv = false\nmiddleware_hosts = b1.example.net:4222\nstats_port = 2\n");
        dir.Write("plugin.d/a_first.cfg", "setting = one\n");
        dir.Write("plugin.d/zz.cfg", "setting = two\n");
        dir.Write("plugin.d/ignored.txt", "use_srv = true\n");

        var r = ConfigLoader.Load(main, TestOptions.Make());

        Assert.False(r.Config.UseSrv);
        Assert.Equal(2, r.Config.StatsPort);
        Assert.Equal(["b1.example.net:4222"], r.Config.MiddlewareHosts);
        Assert.Equal(30, r.Config.Ttl);
        Assert.Equal("one", r.Config.Raw("plugin.a_first.setting"));
        Assert.Equal("two", r.Config.Raw("plugin.zz.setting"));
        Assert.Null(r.Config.Raw("plugin.ignored.use_srv"));
        Assert.Empty(r.Warnings);
        Assert.Equal(
            [main, Path.Combine(dir.Path, "plugin.d", "a_first.cfg"), Path.Combine(dir.Path, "plugin.d", "choria.cfg"), Path.Combine(dir.Path, "plugin.d", "zz.cfg")],
            r.Config.ParsedFiles);
        Assert.Equal(main, r.Config.ConfigFile);
    }

    [Fact]
    public void Plugin_d_errors_name_the_drop_in_file_and_prefixed_key()
    {
        using var dir = new TempDir();
        var main = dir.Write("c.conf", "ttl = 30\n");
        var dropIn = dir.Write("plugin.d/choria.cfg", "\nstats_port = lots\n");

        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Load(main, TestOptions.Make()));
        Assert.Equal(dropIn, ex.File);
        Assert.Equal(2, ex.Line);
        Assert.Equal("plugin.choria.stats_port", ex.Key);
    }

    [Fact]
    public void Plugin_d_unknown_choria_keys_warn_with_drop_in_line()
    {
        using var dir = new TempDir();
        var main = dir.Write("c.conf", "");
        var dropIn = dir.Write("plugin.d/choria.cfg", "# x\nuse_srvv = false\n");
        var w = Assert.Single(ConfigLoader.Load(main, TestOptions.Make()).Warnings);
        Assert.Equal((dropIn, 2, "plugin.choria.use_srvv"), (w.File, w.Line, w.Key));
    }

    [Fact]
    public void Plugin_d_path_lists_append_onto_the_main_file()
    {
        using var dir = new TempDir();
        var main = dir.Write("c.conf", "plugin.choria.agent_provider.mcorpc.libdir = /a\n");
        dir.Write("plugin.d/choria.cfg", "agent_provider.mcorpc.libdir = /b\n");
        var c = ConfigLoader.Load(main, TestOptions.Make()).Config;
        Assert.Equal(["/a", "/b"], c.GetList("plugin.choria.agent_provider.mcorpc.libdir"));
    }

    [Fact]
    public void Config_in_home_directory_does_not_read_home_plugin_d()
    {
        using var dir = new TempDir();
        var main = dir.Write(".choriarc", "ttl = 30\n");
        dir.Write("plugin.d/choria.cfg", "use_srv = false\n");
        var c = ConfigLoader.Load(main, TestOptions.Make(home: dir.Path)).Config;
        Assert.True(c.UseSrv);
        Assert.Equal([main], c.ParsedFiles);
    }

    [Fact]
    public void Missing_plugin_d_is_fine()
    {
        using var dir = new TempDir();
        var main = dir.Write("c.conf", "ttl = 30\n");
        Assert.Equal(30, ConfigLoader.Load(main, TestOptions.Make()).Config.Ttl);
    }

    [Fact]
    public void Server_example_from_the_spec_loads_without_warnings()
    {
        const string Text = """
            identity = n1.example.net
            logfile = /var/log/choria.log
            loglevel = info
            classesfile = /opt/puppetlabs/puppet/cache/state/classes.txt
            plugin.yaml = /etc/puppetlabs/mcollective/generated-facts.yaml
            rpcauthorization = 1
            registration = file_content
            registerinterval = 300
            registration_splay = true
            plugin.choria.registration.file_content.data = /etc/choria/registration.json
            plugin.choria.status_file_path = /var/log/choria-status.json
            plugin.choria.status_update_interval = 30
            plugin.choria.stats_port = 8222
            """;
        var r = ConfigLoader.LoadText(Text, "server.conf", TestOptions.Make() with { Role = ConfigRole.Server });
        Assert.Empty(r.Warnings);
        var c = r.Config;
        Assert.Equal("n1.example.net", c.Identity);
        Assert.True(c.RpcAuthorization);
        Assert.Equal(["file_content"], c.Registration);
        Assert.True(c.RegistrationSplay);
        Assert.Equal(8222, c.StatsPort);
        Assert.Equal(["/etc/puppetlabs/mcollective/generated-facts.yaml"], c.FactSourceFiles);
        Assert.Equal(ConfigRole.Server, c.Role);
    }

    [Fact]
    public void Defaults_match_2020()
    {
        var c = ConfigLoader.Defaults(TestOptions.Make());
        Assert.Equal(["mcollective"], c.Collectives);
        Assert.Equal("mcollective", c.MainCollective);
        Assert.Equal("mcollective", c.RegistrationCollective);
        Assert.Equal(60, c.Ttl);
        Assert.Equal("info", c.LogLevel);
        Assert.Equal("", c.LogFile);
        Assert.Equal(2, c.DiscoveryTimeout);
        Assert.Equal("mc", c.DefaultDiscoveryMethod);
        Assert.Equal(300, c.RegisterInterval);
        Assert.False(c.RpcAuthorization);
        Assert.Equal("puppet", c.SecurityProvider);
        Assert.True(c.RandomizeMiddlewareHosts);
        Assert.Equal("mcollective", c.FederationCluster);
        Assert.Equal(30, c.StatusUpdateInterval);
        Assert.Equal("127.0.0.1", c.StatsAddress);
        Assert.Equal(4222, c.GetInt("plugin.choria.network.client_port"));
        Assert.Equal(TimeSpan.FromSeconds(5), c.GetDuration("plugin.choria.network.write_deadline"));
        Assert.Equal("CHORIA", c.GetString("plugin.choria.network.gateway_name"));
        Assert.Equal("/opt/puppetlabs/puppet/cache/state/classes.txt", c.ClassesFile);
        Assert.Empty(c.ParsedFiles);
    }
}
