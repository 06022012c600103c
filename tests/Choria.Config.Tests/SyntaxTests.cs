namespace Choria.Config.Tests;

public class SyntaxTests
{
    [Fact]
    public void Inline_hash_is_part_of_the_value_and_fails_enum_validation_with_file_and_line()
    {
        var ex = Assert.Throws<ConfigException>(() =>
            ConfigLoader.LoadText("# header\n\nloglevel = info # verbose\n", "client.conf", TestOptions.Make()));

        Assert.Equal("client.conf", ex.File);
        Assert.Equal(3, ex.Line);
        Assert.Equal("loglevel", ex.Key);
        Assert.Equal("info # verbose", ex.Value);
        Assert.Contains("client.conf:3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'info # verbose'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("one of debug, info, warn, error, fatal", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Equals_signs_after_the_first_belong_to_the_value()
    {
        var c = TestOptions.Load("default_discovery_options = query=a=b\nplugin.choria.security.request_signer.url=https://x/?a=1");
        Assert.Equal(["query=a=b"], c.DefaultDiscoveryOptions);
        Assert.Equal("https://x/?a=1", c.GetString("plugin.choria.security.request_signer.url"));
    }

    [Fact]
    public void Whitespace_around_key_and_value_is_trimmed_and_quotes_are_literal()
    {
        var c = TestOptions.Load("   identity   =    \"n1.example.net\"   \n");
        Assert.Equal("\"n1.example.net\"", c.Identity);
        Assert.Equal("\"n1.example.net\"", c.Raw("identity"));
    }

    [Fact]
    public void Empty_values_and_lines_without_equals_are_ignored()
    {
        var r = ConfigLoader.LoadText("loglevel =\nloglevel = \t \njust some words\nttl = 30\n", "t.conf", TestOptions.Make());
        Assert.Equal("info", r.Config.LogLevel);
        Assert.False(r.Config.HasOption("loglevel"));
        Assert.Equal(30, r.Config.Ttl);
        Assert.Empty(r.Warnings);
    }

    [Fact]
    public void Indented_comment_lines_are_comments()
    {
        var r = ConfigLoader.LoadText("   # ttl = 5\nttl = 70", "t.conf", TestOptions.Make());
        Assert.Equal(70, r.Config.Ttl);
    }

    [Fact]
    public void Last_line_wins_for_scalars_and_raw_map()
    {
        var c = TestOptions.Load("ttl = 100\nttl = 200\n");
        Assert.Equal(200, c.Ttl);
        Assert.Equal("200", c.Raw("ttl"));
    }

    [Fact]
    public void Keys_are_case_sensitive()
    {
        var r = ConfigLoader.LoadText("TTL = 10\n", "t.conf", TestOptions.Make());
        Assert.Equal(60, r.Config.Ttl);
        Assert.Equal("10", r.Config.Raw("TTL"));
        Assert.Single(r.Warnings);
    }

    [Fact]
    public void Crlf_line_endings_are_accepted()
    {
        var c = TestOptions.Load("ttl = 110\r\nloglevel = warn\r\n");
        Assert.Equal(110, c.Ttl);
        Assert.Equal("warn", c.LogLevel);
    }

    [Fact]
    public void Unknown_keys_warn_with_file_and_line_but_are_kept_raw()
    {
        var r = ConfigLoader.LoadText("ttl = 45\n\nplugin.choria.middelware_hosts = b1:4222\nnonsense = 1\n", "srv.conf", TestOptions.Make());

        Assert.Equal(2, r.Warnings.Count);
        Assert.Equal(("srv.conf", 3, "plugin.choria.middelware_hosts"), (r.Warnings[0].File, r.Warnings[0].Line, r.Warnings[0].Key));
        Assert.Contains("srv.conf:3", r.Warnings[0].Message, StringComparison.Ordinal);
        Assert.Equal(4, r.Warnings[1].Line);
        Assert.Equal("b1:4222", r.Config.Raw("plugin.choria.middelware_hosts"));
    }

    [Fact]
    public void Plugin_owned_namespaces_do_not_warn()
    {
        var r = ConfigLoader.LoadText("plugin.puppet.resource_allow_list = a,b\nplugin.myagent.x.y = 1\n", "t.conf", TestOptions.Make());
        Assert.Empty(r.Warnings);
        Assert.Equal("1", r.Config.Raw("plugin.myagent.x.y"));
        Assert.Equal(["plugin.myagent.x.y"], r.Config.KeysWithPrefix("plugin.myagent."));
    }

    [Theory]
    [InlineData("plugin.security.nope = 1")]
    [InlineData("plugin.nats.nope = 1")]
    [InlineData("plugin.network.nope = 1")]
    public void Choria_owned_plugin_namespaces_warn(string line)
    {
        var r = ConfigLoader.LoadText(line, "t.conf", TestOptions.Make());
        Assert.Single(r.Warnings);
    }

    [Fact]
    public void Legacy_keys_warn_that_they_have_no_effect()
    {
        var r = ConfigLoader.LoadText("connector = nats\n", "t.conf", TestOptions.Make());
        var w = Assert.Single(r.Warnings);
        Assert.Contains("legacy", w.Message, StringComparison.Ordinal);
        Assert.Equal("nats", r.Config.GetString("connector"));
    }

    [Fact]
    public void Missing_main_file_is_an_error()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Load("/nonexistent/choria/server.conf", TestOptions.Make()));
        Assert.StartsWith("could not parse configuration:", ex.Message, StringComparison.Ordinal);
    }
}
