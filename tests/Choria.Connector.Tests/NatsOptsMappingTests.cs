using NATS.Client.Core;

namespace Choria.Connector.Tests;

public class NatsOptsMappingTests
{
    private static readonly ConnectorOptions s_base = new() { Servers = [new("a", 4222), new("::1", 4223, "tls")], Name = "node1.example.net" };

    [Fact]
    public void Maps_choria_defaults()
    {
        var o = ChoriaConnection.BuildNatsOpts(s_base);
        Assert.Equal("nats://a:4222,nats://[::1]:4223", o.Url);
        Assert.Equal("node1.example.net", o.Name);
        Assert.Equal(-1, o.MaxReconnectRetry);
        Assert.Equal(TlsMode.Disable, o.TlsOpts.Mode);
        Assert.Null(o.AuthOpts.Username);
        Assert.False(o.NoRandomize);
    }

    [Theory]
    [InlineData("u", "", false)]
    [InlineData("", "p", false)]
    [InlineData(null, "p", false)]
    [InlineData("u", "p", true)]
    public void Uses_user_and_password_only_when_both_are_set(string? user, string? password, bool used)
    {
        var o = ChoriaConnection.BuildNatsOpts(s_base with { User = user, Password = password });
        Assert.Equal(used ? "u" : null, o.AuthOpts.Username);
        Assert.Equal(used ? "p" : null, o.AuthOpts.Password);
    }

    [Fact]
    public void Tls_options_require_tls_and_map_verify()
    {
        var o = ChoriaConnection.BuildNatsOpts(s_base with { Tls = new("c.pem", "k.pem", "ca.pem", Verify: false), Randomize = false });
        Assert.Equal(TlsMode.Require, o.TlsOpts.Mode);
        Assert.True(o.TlsOpts.InsecureSkipVerify);
        Assert.Equal("ca.pem", o.TlsOpts.CaFile);
        Assert.True(o.NoRandomize);
    }

    [Theory]
    [InlineData("nats://127.0.0.1:4222/", "nats://127.0.0.1:4222")]
    [InlineData("tls://broker.example.net.:4223", "nats://broker.example.net:4223")]
    [InlineData("nats://[::1]:4222", "nats://[::1]:4222")]
    [InlineData("", "unknown")]
    [InlineData("garbage", "unknown")]
    public void Normalises_connected_server_urls(string input, string expected) =>
        Assert.Equal(expected, ChoriaConnection.NormaliseServerUrl(input));
}
