using Choria.Config.Build;

namespace Choria.Config.Tests;

public class EnvironmentTests
{
    [Fact]
    public void Nats_credentials_env_applies_only_when_the_key_is_in_a_file()
    {
        var env = new Dictionary<string, string?> { ["MCOLLECTIVE_NATS_USERNAME"] = "envuser", ["MCOLLECTIVE_NATS_PASSWORD"] = "envpass" };

        var without = TestOptions.Load("ttl = 30", env);
        Assert.Equal("", without.NatsUser);
        Assert.Equal("", without.NatsPassword);

        var with = TestOptions.Load("plugin.nats.user = fileuser\nplugin.nats.pass = x", env);
        Assert.Equal("envuser", with.NatsUser);
        Assert.Equal("envpass", with.NatsPassword);
        Assert.Equal("fileuser", with.Raw("plugin.nats.user"));
    }

    [Fact]
    public void Empty_env_value_does_not_override()
    {
        var env = new Dictionary<string, string?> { ["MCOLLECTIVE_NATS_USERNAME"] = "" };
        Assert.Equal("fileuser", TestOptions.Load("plugin.nats.user = fileuser", env).NatsUser);
    }

    [Fact]
    public void Invalid_env_value_names_the_variable()
    {
        var env = new Dictionary<string, string?> { ["MCOLLECTIVE_NATS_NGS"] = "maybe" };
        var ex = Assert.Throws<ConfigException>(() => TestOptions.Load("plugin.nats.ngs = false", env));
        Assert.Contains("MCOLLECTIVE_NATS_NGS", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'maybe'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Srv_domain_env_applies_without_file_key_because_it_has_a_default()
    {
        var env = new Dictionary<string, string?> { ["CHORIA_SRV_DOMAIN"] = "env.example.net" };
        Assert.Equal("env.example.net", TestOptions.Load("", env).SrvDomain);
        Assert.Equal("env.example.net", TestOptions.Load("plugin.choria.srv_domain = file.example.net", env).SrvDomain);
    }

    [Fact]
    public void Fed_collective_env_replaces_federation_collectives()
    {
        var env = new Dictionary<string, string?> { ["CHORIA_FED_COLLECTIVE"] = " fed1 , fed2" };
        Assert.Equal(["fed1", "fed2"], TestOptions.Load("plugin.choria.federation.collectives = x", env).FederationCollectives);
        Assert.Equal(["fed1", "fed2"], TestOptions.Load("", env).FederationCollectives);
        Assert.Equal(["x"], TestOptions.Load("plugin.choria.federation.collectives = x", new() { ["CHORIA_FED_COLLECTIVE"] = " " }).FederationCollectives);
    }

    [Fact]
    public void Insecure_yes_really_turns_off_security_and_tls()
    {
        var secureBuild = new BuildSettings { Tls = "true", Secure = "true" };
        var o = TestOptions.Make(new() { ["INSECURE_YES_REALLY"] = "true" }) with { Build = secureBuild };
        var c = ConfigLoader.Defaults(o);
        Assert.True(c.InsecureMode);
        Assert.True(c.DisableTls);

        c = ConfigLoader.Defaults(TestOptions.Make() with { Build = secureBuild });
        Assert.False(c.InsecureMode);
        Assert.False(c.DisableTls);
    }

    [Fact]
    public void Insecure_build_is_insecure_without_env()
    {
        var c = ConfigLoader.Defaults(TestOptions.Make() with { Build = new BuildSettings { Tls = "false", Secure = "false" } });
        Assert.True(c.InsecureMode);
        Assert.True(c.DisableTls);
    }

    [Fact]
    public void Certname_and_user_are_exposed()
    {
        var c = ConfigLoader.Defaults(TestOptions.Make(new() { ["MCOLLECTIVE_CERTNAME"] = "bob.mcollective", ["USER"] = "bob" }));
        Assert.Equal("bob.mcollective", c.CertnameOverride);
        Assert.Equal("bob", c.EnvironmentUser);
        Assert.Null(ConfigLoader.Defaults(TestOptions.Make()).CertnameOverride);
    }
}
