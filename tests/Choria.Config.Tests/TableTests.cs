using Choria.Config.Settings;

namespace Choria.Config.Tests;

public class TableTests
{
    public static TheoryData<string> Keys()
    {
        var data = new TheoryData<string>();
        foreach (var d in SettingsTable.All)
        {
            data.Add(d.Key);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void Every_default_parses_under_its_own_type(string key)
    {
        var def = SettingsTable.All.Single(d => d.Key == key);
        Assert.False(string.IsNullOrWhiteSpace(def.Description));
        if (def.Type == SettingType.Enum)
        {
            Assert.NotEmpty(def.AllowedValues!);
        }

        if (def.ShownDefault is not { } shown || (def.IsList && shown.Length == 0))
        {
            return;
        }

        Assert.True(ValueParser.TryNormalise(def, shown, "/home/x", out _, out _), $"default '{shown}' of {key} is not {def.Expectation()}");
    }

    [Theory]
    [InlineData("plugin.nats.ngs", "false")]
    [InlineData("plugin.choria.server.provision", "false")]
    [InlineData("plugin.nats.user", "")]
    [InlineData("plugin.nats.pass", "")]
    [InlineData("plugin.nats.credentials", "")]
    public void Keys_without_an_assigned_default_still_show_the_spec_default(string key, string expected)
    {
        var def = SettingsTable.Find(key)!;
        Assert.Null(def.Default);
        Assert.Equal(expected, def.ShownDefault);
    }

    [Fact]
    public void Ngs_shown_default_does_not_make_its_environment_variable_apply_without_a_file_key()
    {
        var env = new Dictionary<string, string?> { ["MCOLLECTIVE_NATS_NGS"] = "true" };

        var without = TestOptions.Load("", env);
        Assert.False(without.GetBool("plugin.nats.ngs"));
        Assert.False(without.HasOption("plugin.nats.ngs"));

        var with = TestOptions.Load("plugin.nats.ngs = false", env);
        Assert.True(with.GetBool("plugin.nats.ngs"));
    }

    [Fact]
    public void Provision_stays_absent_unless_a_file_sets_it()
    {
        // Presence in the file decides whether the build default applies, so it must not be defaulted.
        var defaults = TestOptions.Load("");
        Assert.False(defaults.HasOption("plugin.choria.server.provision"));
        Assert.Equal("", defaults.GetString("plugin.choria.server.provision"));
        Assert.True(TestOptions.Load("plugin.choria.server.provision = true").GetBool("plugin.choria.server.provision"));
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void Every_key_resolves_to_its_own_definition(string key)
    {
        var concrete = key.Replace("<name>", "example", StringComparison.Ordinal).Replace("<agent>", "example", StringComparison.Ordinal);
        Assert.Equal(key, SettingsTable.Find(concrete)?.Key);
    }

    [Theory]
    [InlineData("gateway_remote.a.b.urls")]
    [InlineData("gateway_remote..urls")]
    [InlineData("gateway_remote.a.urls.x")]
    [InlineData("gateway_remote.a")]
    [InlineData("plugin.x.activate_agents")]
    [InlineData("xplugin.x.activate_agent")]
    public void A_placeholder_takes_exactly_one_non_empty_segment(string key)
    {
        Assert.Null(SettingsTable.Find(key));
    }

    [Fact]
    public void Keys_are_unique()
    {
        var dupes = SettingsTable.All.GroupBy(d => d.Key).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.Empty(dupes);
    }

    [Theory]
    [InlineData("identity")]
    [InlineData("collectives")]
    [InlineData("main_collective")]
    [InlineData("logfile")]
    [InlineData("loglevel")]
    [InlineData("libdir")]
    [InlineData("classesfile")]
    [InlineData("plugin.yaml")]
    [InlineData("rpcauthorization")]
    [InlineData("rpcauthprovider")]
    [InlineData("rpcaudit")]
    [InlineData("rpcauditprovider")]
    [InlineData("rpclimitmethod")]
    [InlineData("discovery_timeout")]
    [InlineData("publish_timeout")]
    [InlineData("connection_timeout")]
    [InlineData("ttl")]
    [InlineData("default_discovery_method")]
    [InlineData("default_discovery_options")]
    [InlineData("registration")]
    [InlineData("registration_collective")]
    [InlineData("registerinterval")]
    [InlineData("registration_splay")]
    [InlineData("soft_shutdown_timeout")]
    [InlineData("color")]
    [InlineData("require_client_filter")]
    [InlineData("securityprovider")]
    [InlineData("keeplogs")]
    [InlineData("max_log_size")]
    [InlineData("activate_agents")]
    [InlineData("plugin.choria.middleware_hosts")]
    [InlineData("plugin.nats.credentials")]
    [InlineData("plugin.choria.federation_middleware_hosts")]
    [InlineData("plugin.choria.discovery_proxy")]
    [InlineData("plugin.choria.puppetdb_port")]
    [InlineData("plugin.security.pkcs11.slot")]
    [InlineData("plugin.choria.security.request_signer.token_environment")]
    [InlineData("plugin.security.ecc_curves")]
    [InlineData("plugin.choria.registration.file_content.compression")]
    [InlineData("plugin.choria.legacy_lifecycle_format")]
    [InlineData("plugin.choria.agent_provider.mcorpc.agent_shim")]
    [InlineData("plugin.choria.server.provision")]
    [InlineData("plugin.choria.broker_discovery")]
    [InlineData("plugin.choria.network.peer_port")]
    [InlineData("plugin.choria.network.client_hosts")]
    [InlineData("plugin.choria.network.leafnode_remote.LON.credentials")]
    [InlineData("plugin.choria.adapter.cmdb.stream.clusterid")]
    [InlineData("plugin.choria.adapter.cmdb.ingest.workers")]
    public void Spec_keys_are_in_the_table(string key)
    {
        Assert.NotNull(SettingsTable.Find(key));
    }

    [Fact]
    public void Spec_2020_defaults_are_recorded()
    {
        Assert.Equal("2", SettingsTable.Find("publish_timeout")!.Default);
        Assert.Equal("2097152", SettingsTable.Find("max_log_size")!.Default);
        Assert.Equal("5", SettingsTable.Find("keeplogs")!.Default);
        Assert.Equal("8085", SettingsTable.Find("plugin.choria.discovery_port")!.Default);
        Assert.Equal("5222", SettingsTable.Find("plugin.choria.network.peer_port")!.Default);
        Assert.Equal("false", SettingsTable.Find("rpcauthorization")!.Default);
    }

    [Fact]
    public void Plugin_ownership()
    {
        Assert.True(SettingsTable.IsPluginOwned("plugin.puppet.x"));
        Assert.False(SettingsTable.IsPluginOwned("plugin.choria.x"));
        Assert.False(SettingsTable.IsPluginOwned("plugin.security.x"));
        Assert.False(SettingsTable.IsPluginOwned("plugin.yaml"));
        Assert.False(SettingsTable.IsPluginOwned("loglevel"));
    }
}
