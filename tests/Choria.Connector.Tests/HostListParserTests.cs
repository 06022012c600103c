namespace Choria.Connector.Tests;

public class HostListParserTests
{
    [Theory]
    [InlineData("broker1:4222", "broker1", 4222, "nats")]
    [InlineData("  broker1.example.net:4223  ", "broker1.example.net", 4223, "nats")]
    [InlineData("nats://broker1:4222", "broker1", 4222, "nats")]
    [InlineData("tls://broker1:4222", "broker1", 4222, "nats")]
    [InlineData("nats://user:pass@broker1:4222/path", "broker1", 4222, "nats")]
    [InlineData("[::1]:4222", "::1", 4222, "nats")]
    [InlineData("tls://[2001:db8::1]:4222", "2001:db8::1", 4222, "nats")]
    [InlineData("broker1.example.net.:4222", "broker1.example.net", 4222, "nats")]
    public void Parses_single_entries_with_the_callers_scheme(string entry, string host, int port, string scheme)
    {
        Assert.True(HostListParser.TryParse(entry, "nats", out var hosts, out var error), error);
        var h = Assert.Single(hosts);
        Assert.Equal(new BrokerHost(host, port, scheme), h);
    }

    [Fact]
    public void Keeps_the_url_scheme_only_when_no_default_scheme_is_given()
    {
        Assert.True(HostListParser.TryParse("tls://b:4222, c:4222", "", out var hosts, out _));
        Assert.Equal([new BrokerHost("b", 4222, "tls"), new BrokerHost("c", 4222, "nats")], hosts);
    }

    [Fact]
    public void Parses_comma_lists_in_order_and_skips_blank_entries()
    {
        Assert.True(HostListParser.TryParse("a:1, nats://b:2,,[::1]:3", "nats", out var hosts, out _));
        Assert.Equal(["nats://a:1", "nats://b:2", "nats://[::1]:3"], hosts.Select(h => h.Url));
    }

    [Theory]
    [InlineData("broker1", "missing port")]
    [InlineData("nats://broker1", "missing port")]
    [InlineData("broker1:", "missing port")]
    [InlineData(":4222", "missing host")]
    [InlineData("broker1:70000", "between 1 and 65535")]
    [InlineData("broker1:0", "between 1 and 65535")]
    [InlineData("broker1:abc", "is not a number")]
    [InlineData("::1:4222", "brackets")]
    [InlineData("[::1:4222", "']'")]
    [InlineData("bro ker:4222", "whitespace")]
    public void Rejects_invalid_entries_naming_them(string entry, string reasonPart)
    {
        var list = $"good:4222,{entry}";
        Assert.False(HostListParser.TryParse(list, "nats", out var hosts, out var error));
        Assert.Empty(hosts);
        Assert.NotNull(error);
        Assert.Contains($"'{entry.Trim()}'", error, StringComparison.Ordinal);
        Assert.Contains(reasonPart, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Empty_lists_parse_to_no_hosts(string? list)
    {
        Assert.True(HostListParser.TryParse(list, "nats", out var hosts, out var error));
        Assert.Empty(hosts);
        Assert.Null(error);
    }
}
