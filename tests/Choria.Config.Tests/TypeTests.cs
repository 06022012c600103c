using Choria.Config.Settings;

namespace Choria.Config.Tests;

public class TypeTests
{
    [Theory]
    [InlineData("1", true)]
    [InlineData("yes", true)]
    [InlineData("TRUE", true)]
    [InlineData("Y", true)]
    [InlineData("t", true)]
    [InlineData("0", false)]
    [InlineData("No", false)]
    [InlineData("false", false)]
    [InlineData("n", false)]
    [InlineData("F", false)]
    public void Bool_words(string text, bool expected)
    {
        Assert.Equal(expected, TestOptions.Load($"rpcaudit = {text}").RpcAudit);
    }

    [Theory]
    [InlineData("on")]
    [InlineData("off")]
    [InlineData("2")]
    [InlineData("enabled")]
    public void Bool_rejects_anything_else(string text)
    {
        var ex = Assert.Throws<ConfigException>(() => TestOptions.Load($"\nrpcaudit = {text}"));
        Assert.Equal("test.conf:2: invalid value '" + text + "' for rpcaudit: expected a boolean (1, yes, true, y, t / 0, no, false, n, f)", ex.Message);
    }

    [Fact]
    public void Int_parses_and_rejects_garbage()
    {
        Assert.Equal(120, TestOptions.Load("ttl = 120").Ttl);
        var ex = Assert.Throws<ConfigException>(() => TestOptions.Load("ttl = 1m"));
        Assert.Contains("test.conf:1: invalid value '1m' for ttl: expected an integer", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Int_bounds_are_enforced()
    {
        var ex = Assert.Throws<ConfigException>(() => TestOptions.Load("plugin.choria.stats_port = 70000"));
        Assert.Contains("<= 65535", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ConfigException>(() => TestOptions.Load("ttl = 0"));
    }

    [Theory]
    [InlineData("10")]
    [InlineData("29")]
    [InlineData("1")]
    public void Ttl_below_the_request_schema_minimum_is_an_error_not_raised_silently(string text)
    {
        var ex = Assert.Throws<ConfigException>(() => TestOptions.Load($"loglevel = info\nttl = {text}"));
        Assert.Equal(("test.conf", 2, "ttl", text), (ex.File, ex.Line, ex.Key, ex.Value));
        Assert.Equal($"test.conf:2: invalid value '{text}' for ttl: expected an integer, >= 30", ex.Message);
    }

    [Fact]
    public void Ttl_at_the_request_schema_minimum_is_accepted()
    {
        Assert.Equal(30, TestOptions.Load("ttl = 30").Ttl);
    }

    [Theory]
    [InlineData("10", 10_000)]
    [InlineData("500ms", 500)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1.5s", 1500)]
    [InlineData("2d", 172_800_000)]
    [InlineData("1w", 604_800_000)]
    public void Duration_syntax(string text, long millis)
    {
        var c = TestOptions.Load($"plugin.choria.network.write_deadline = {text}");
        Assert.Equal(TimeSpan.FromMilliseconds(millis), c.GetDuration("plugin.choria.network.write_deadline"));
    }

    [Theory]
    [InlineData("10x")]
    [InlineData("s")]
    [InlineData("ten seconds")]
    [InlineData("1.2.3s")]
    public void Duration_rejects_garbage(string text)
    {
        var ex = Assert.Throws<ConfigException>(() => TestOptions.Load($"plugin.choria.network.write_deadline = {text}"));
        Assert.Contains("expected a duration", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duration_max_is_enforced()
    {
        var ex = Assert.Throws<ConfigException>(() => TestOptions.Load("plugin.choria.network.tls_timeout = 2m"));
        Assert.Contains("<= 60s", ex.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(2), TestOptions.Load("").GetDuration("plugin.choria.network.tls_timeout"));
    }

    [Fact]
    public void Int_settings_read_as_durations_are_seconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(300), TestOptions.Load("").GetDuration("registerinterval"));
    }

    [Fact]
    public void Title_string_upper_cases_first_letter()
    {
        Assert.Equal("Action_policy", TestOptions.Load("").RpcAuthProvider);
        Assert.Equal("Rego_policy", TestOptions.Load("rpcauthprovider = rego_policy").RpcAuthProvider);
    }

    [Fact]
    public void Path_string_expands_home()
    {
        var c = TestOptions.Load("plugin.choria.status_file_path = ~/status.json\nlogfile = /var/log/~x");
        Assert.Equal(Path.Join("/home/tester", "status.json"), c.StatusFilePath);
        Assert.Equal("/var/log/~x", c.LogFile);
    }

    [Fact]
    public void Enum_accepts_listed_values_only()
    {
        Assert.Equal("file", TestOptions.Load("plugin.security.provider = file").SecurityProvider);
        var ex = Assert.Throws<ConfigException>(() => TestOptions.Load("plugin.security.provider = File"));
        Assert.Equal("plugin.security.provider", ex.Key);
        Assert.Contains("one of puppet, file, pkcs11", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Regex_pattern_is_enforced_on_list_items()
    {
        var ex = Assert.Throws<ConfigException>(() => TestOptions.Load("collectives = mcollective, bad name"));
        Assert.Contains("items matching", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Regex_list_items_must_compile()
    {
        var ex = Assert.Throws<ConfigException>(() => TestOptions.Load("plugin.choria.security.certname_whitelist = \\.mcollective$, (unclosed"));
        Assert.Contains("valid regular expressions", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Comma_list_replaces_and_trims()
    {
        var c = TestOptions.Load("collectives = a, b\ncollectives = c , d,e");
        Assert.Equal(["c", "d", "e"], c.Collectives);
    }

    [Fact]
    public void Path_list_appends_across_lines()
    {
        var sep = Path.PathSeparator;
        var c = TestOptions.Load($"libdir = /a\nlibdir = /b{sep} /c");
        Assert.Equal(["/a", "/b", "/c"], c.LibDirs);
    }

    [Fact]
    public void Untyped_list_appends_whole_values()
    {
        var c = TestOptions.Load("default_discovery_options = a=1, b=2\ndefault_discovery_options = c=3");
        Assert.Equal(["a=1, b=2", "c=3"], c.DefaultDiscoveryOptions);
    }

    [Fact]
    public void Defaults_of_lists_come_through_the_splitter()
    {
        var c = TestOptions.Load("");
        Assert.Equal([@"\.privileged.mcollective$", @"\.privileged.choria$"], c.GetList("plugin.choria.security.privileged_users"));
        Assert.Empty(c.LibDirs);
        Assert.Equal(["mcollective"], c.Collectives);
    }

    [Fact]
    public void Typed_getters_reject_unknown_keys_and_wrong_types()
    {
        var c = TestOptions.Load("");
        Assert.Throws<ArgumentException>(() => c.GetString("no.such.key"));
        Assert.Throws<ArgumentException>(() => c.GetInt("loglevel"));
        Assert.Throws<ArgumentException>(() => c.GetBool("ttl"));
        Assert.Throws<ArgumentException>(() => c.GetList("ttl"));
    }

    [Fact]
    public void Pattern_keys_validate_and_default()
    {
        var c = TestOptions.Load("plugin.choria.adapter.cmdb.type = jetstream\nplugin.choria.adapter.cmdb.ingest.topic = x.>");
        Assert.Equal("jetstream", c.GetString("plugin.choria.adapter.cmdb.type"));
        Assert.Equal(1000, c.GetInt("plugin.choria.adapter.cmdb.queue_len"));
        Assert.Equal("reply", c.GetString("plugin.choria.adapter.cmdb.ingest.protocol"));
        Assert.Equal("", c.GetString("plugin.choria.adapter.other.stream.topic"));

        var ex = Assert.Throws<ConfigException>(() => TestOptions.Load("plugin.choria.adapter.cmdb.queue_len = 1000 # default"));
        Assert.Equal("plugin.choria.adapter.cmdb.queue_len", ex.Key);
        Assert.Contains("expected an integer", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keyed_gateway_remote_settings_are_known()
    {
        var r = ConfigLoader.LoadText("plugin.choria.network.gateway_remote.NYC.urls = c1:7222, c2:7222\nplugin.choria.network.gateway_remote.NYC.tls.verify = off", "t", TestOptions.Make());
        Assert.Empty(r.Warnings);
        Assert.Equal(["c1:7222", "c2:7222"], r.Config.GetList("plugin.choria.network.gateway_remote.NYC.urls"));
        Assert.Equal(["plugin.choria.network.gateway_remote.NYC.tls.verify", "plugin.choria.network.gateway_remote.NYC.urls"],
            r.Config.KeysWithPrefix("plugin.choria.network.gateway_remote.NYC."));
    }

    [Fact]
    public void Value_parser_bool_is_strict()
    {
        Assert.True(ValueParser.TryParseBool(" Yes ", out var v) && v);
        Assert.False(ValueParser.TryParseBool("", out _));
    }
}
