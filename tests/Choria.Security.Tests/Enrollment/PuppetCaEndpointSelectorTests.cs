using Choria.Security.Enrollment;

namespace Choria.Security.Tests.Enrollment;

public sealed class PuppetCaEndpointSelectorTests
{
    private readonly FakeSrv _srv = new()
    {
        Answers =
        {
            ["_x-puppet-ca._tcp.example.net"] = new("puppetca.example.net", 8141),
            ["_x-puppet._tcp.example.net"] = new("puppet.example.net", 8140),
            ["_x-puppet._tcp.other.net"] = new("puppet.other.net", 9140),
        },
    };

    [Fact]
    public async Task Puppet_ca_record_is_preferred()
    {
        var endpoint = await Select(new PuppetCaLocationOptions { SrvDomain = "example.net" });
        Assert.Equal(new PuppetCaEndpoint("puppetca.example.net", 8141), endpoint);
        Assert.Equal(["_x-puppet-ca._tcp.example.net"], _srv.Queries);
    }

    [Fact]
    public async Task Puppet_record_is_the_fallback()
    {
        var endpoint = await Select(new PuppetCaLocationOptions { SrvDomain = "other.net." });
        Assert.Equal(new PuppetCaEndpoint("puppet.other.net", 9140), endpoint);
        Assert.Equal(["_x-puppet-ca._tcp.other.net", "_x-puppet._tcp.other.net"], _srv.Queries);
    }

    [Fact]
    public async Task Configured_host_or_port_skips_srv()
    {
        Assert.Equal(new PuppetCaEndpoint("ca.local", 8140), await Select(new PuppetCaLocationOptions { Host = "ca.local", SrvDomain = "example.net" }));
        Assert.Equal(new PuppetCaEndpoint("puppet", 9999), await Select(new PuppetCaLocationOptions { Port = 9999, SrvDomain = "example.net" }));
        Assert.Empty(_srv.Queries);
    }

    [Fact]
    public async Task Defaults_when_srv_is_off_or_empty()
    {
        Assert.Equal(new PuppetCaEndpoint("puppet", 8140), await Select(new PuppetCaLocationOptions { UseSrv = false, SrvDomain = "example.net" }));
        Assert.Empty(_srv.Queries);
        Assert.Equal(new PuppetCaEndpoint("puppet", 8140), await Select(new PuppetCaLocationOptions { SrvDomain = "nothing.net" }));
        Assert.Equal(2, _srv.Queries.Count);
        Assert.Equal(new PuppetCaEndpoint("puppet", 8140), await Select(new PuppetCaLocationOptions()));
        Assert.Equal(2, _srv.Queries.Count);
    }

    [Fact]
    public void Base_uri_is_https()
    {
        Assert.Equal("https://puppet:8140/", new PuppetCaEndpoint("puppet", 8140).BaseUri.ToString());
    }

    private Task<PuppetCaEndpoint> Select(PuppetCaLocationOptions options) =>
        PuppetCaEndpointSelector.SelectAsync(options, _srv, CancellationToken.None);

    private sealed class FakeSrv : ISrvTargetLookup
    {
        public Dictionary<string, PuppetCaEndpoint> Answers { get; } = [];

        public List<string> Queries { get; } = [];

        public ValueTask<PuppetCaEndpoint?> FirstAsync(string name, CancellationToken cancellationToken)
        {
            Queries.Add(name);
            return ValueTask.FromResult(Answers.GetValueOrDefault(name));
        }
    }
}
