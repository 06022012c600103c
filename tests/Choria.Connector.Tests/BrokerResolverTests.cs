using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.Connector.Tests;

public class BrokerResolverTests
{
    private sealed class FakeSrv(Dictionary<string, SrvRecord[]> answers) : ISrvResolver
    {
        public List<string> Queries { get; } = [];

        public ValueTask<IReadOnlyList<SrvRecord>> ResolveAsync(string name, CancellationToken cancellationToken)
        {
            Queries.Add(name);
            return ValueTask.FromResult<IReadOnlyList<SrvRecord>>(answers.TryGetValue(name, out var a) ? a : []);
        }
    }

    private static BrokerResolver Resolver(FakeSrv srv) => new(srv, NullLogger.Instance);

    [Fact]
    public async Task Configured_hosts_win_and_srv_is_not_queried()
    {
        var srv = new FakeSrv(new() { ["_mcollective-server._tcp.example.net"] = [new("srv1", 4222, 1, 1)] });
        var r = await Resolver(srv).ResolveAsync(new() { ConfiguredHosts = "b1:4222,b2:4223", SrvDomain = "example.net" }, default);
        Assert.True(r.Success);
        Assert.Equal(BrokerSource.Configured, r.Source);
        Assert.Equal(["nats://b1:4222", "nats://b2:4223"], r.Hosts.Select(h => h.Url));
        Assert.Empty(srv.Queries);
    }

    [Fact]
    public async Task Invalid_configured_hosts_are_an_error_not_a_fallback()
    {
        var r = await Resolver(new FakeSrv([])).ResolveAsync(new() { ConfiguredHosts = "b1", SrvDomain = "example.net" }, default);
        Assert.False(r.Success);
        Assert.Contains("'b1'", r.Error, StringComparison.Ordinal);
        Assert.Empty(r.Hosts);
    }

    [Fact]
    public async Task Srv_tries_mcollective_server_then_x_puppet_mcollective()
    {
        var srv = new FakeSrv(new() { ["_x-puppet-mcollective._tcp.example.net"] = [new("nats1.example.net.", 4222, 1, 1)] });
        var r = await Resolver(srv).ResolveAsync(new() { SrvDomain = "example.net." }, default);
        Assert.Equal(BrokerSource.Srv, r.Source);
        Assert.Equal(["nats://nats1.example.net:4222"], r.Hosts.Select(h => h.Url));
        Assert.Equal(["_mcollective-server._tcp.example.net", "_x-puppet-mcollective._tcp.example.net"], srv.Queries);
    }

    [Fact]
    public async Task First_resolving_srv_name_wins()
    {
        var srv = new FakeSrv(new()
        {
            ["_mcollective-server._tcp.example.net"] = [new("a", 1, 1, 1)],
            ["_x-puppet-mcollective._tcp.example.net"] = [new("b", 2, 1, 1)],
        });
        var r = await Resolver(srv).ResolveAsync(new() { SrvDomain = "example.net" }, default);
        Assert.Equal(["nats://a:1"], r.Hosts.Select(h => h.Url));
        Assert.Single(srv.Queries);
    }

    [Fact]
    public async Task Falls_back_to_puppet_4222_when_nothing_resolves()
    {
        var srv = new FakeSrv([]);
        var r = await Resolver(srv).ResolveAsync(new() { SrvDomain = "example.net" }, default);
        Assert.Equal(BrokerSource.Default, r.Source);
        Assert.Equal(["nats://puppet:4222"], r.Hosts.Select(h => h.Url));
        Assert.Equal(2, srv.Queries.Count);
    }

    [Fact]
    public async Task Srv_disabled_or_without_domain_skips_lookups()
    {
        var srv = new FakeSrv(new() { ["_mcollective-server._tcp.example.net"] = [new("a", 1, 1, 1)] });
        var disabled = await Resolver(srv).ResolveAsync(new() { SrvDomain = "example.net", UseSrv = false }, default);
        var noDomain = await Resolver(srv).ResolveAsync(new() { SrvDomain = "" }, default);
        Assert.Equal(BrokerSource.Default, disabled.Source);
        Assert.Equal(BrokerSource.Default, noDomain.Source);
        Assert.Empty(srv.Queries);
    }

    [Fact]
    public async Task Federation_uses_federation_records_and_has_no_default()
    {
        var srv = new FakeSrv(new() { ["_x-puppet-mcollective_federation._tcp.example.net"] = [new("fed", 4222, 1, 1)] });
        var found = await Resolver(srv).ResolveAsync(new() { SrvDomain = "example.net", Role = BrokerRole.Federation }, default);
        Assert.Equal(["nats://fed:4222"], found.Hosts.Select(h => h.Url));
        Assert.Equal(["_mcollective-federation_server._tcp.example.net", "_x-puppet-mcollective_federation._tcp.example.net"], srv.Queries);

        var none = await Resolver(new FakeSrv([])).ResolveAsync(new() { SrvDomain = "example.net", Role = BrokerRole.Federation }, default);
        Assert.False(none.Success);
        Assert.Empty(none.Hosts);
    }

    [Fact]
    public void Srv_ordering_sorts_by_priority_then_weighted_draw()
    {
        SrvRecord[] records =
        [
            new("p20", 1, 20, 100),
            new("p10-heavy", 1, 10, 1000),
            new("p10-zero", 1, 10, 0),
            new("p5", 1, 5, 1),
        ];
        var heavyFirst = 0;
        var rnd = new Random(42);
        for (var i = 0; i < 500; i++)
        {
            var ordered = SrvOrdering.Order(records, rnd);
            Assert.Equal("p5", ordered[0].Target);
            Assert.Equal("p20", ordered[3].Target);
            Assert.Equal(["p10-heavy", "p10-zero"], ordered.Skip(1).Take(2).Select(r => r.Target).Order());
            heavyFirst += ordered[1].Target == "p10-heavy" ? 1 : 0;
        }

        // weight 1000 vs 0: the zero-weight target only wins when the draw is exactly 0.
        Assert.InRange(heavyFirst, 490, 500);
    }
}
