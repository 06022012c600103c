using Choria.Broker.Hosting;
using Choria.Broker.Network;
using Choria.Config;
using Choria.Connector;
using Choria.Security;
using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.Broker.Tests;

/// <summary>Settings → <see cref="NetworkBrokerOptions"/> (docs/broker.md).</summary>
public sealed class BrokerOptionsFactoryTests
{
    private static readonly FileSecurityProvider s_security = new(new FileSecurityOptions
    {
        Certificate = "/etc/choria/broker.pem",
        Key = "/etc/choria/broker.key",
        Ca = "/etc/choria/ca.pem",
        CacheDirectory = "/tmp/choria-cache",
    });

    private static ChoriaConfig Load(string text) =>
        ConfigLoader.LoadText("identity = broker1.example.net\n" + text, options: new ConfigLoadOptions { Role = ConfigRole.Broker, Environment = new Dictionary<string, string?>() }).Config;

    private static Task<NetworkBrokerOptions> OptionsAsync(string text, ISrvResolver? srv = null) =>
        BrokerOptionsFactory.NetworkAsync(Load(text), s_security, srv ?? new FakeSrv([]), debug: false, disableTls: false, disableTlsVerify: false, NullLogger.Instance, CancellationToken.None);

    [Fact]
    public async Task Defaults_follow_the_spec()
    {
        var o = await OptionsAsync("plugin.choria.use_srv = false\n");
        Assert.Equal(("::", 4222, 5222), (o.ListenAddress, o.ClientPort, o.PeerPort));
        Assert.Equal(TimeSpan.FromSeconds(5), o.WriteDeadline);
        Assert.Equal(TimeSpan.FromSeconds(60), o.SoftShutdownTimeout);
        Assert.Null(o.AuthTimeout);
        Assert.Null(o.NatsServerPath);
        Assert.Empty(o.Unsupported);
        Assert.Equal(("/etc/choria/broker.pem", "/etc/choria/broker.key", "/etc/choria/ca.pem"), (o.TlsCertificate, o.TlsKey, o.TlsCa));
    }

    [Fact]
    public async Task Network_settings_are_mapped()
    {
        var o = await OptionsAsync("""
            plugin.choria.use_srv = false
            plugin.choria.network.listen_address = 127.0.0.1
            plugin.choria.network.client_port = 14222
            plugin.choria.network.peer_port = 15222
            plugin.choria.network.peers = a.example.net:5222, nats://b.example.net:5222
            plugin.choria.network.peer_user = u
            plugin.choria.network.peer_password = p
            plugin.choria.network.write_deadline = 7s
            plugin.choria.network.auth_timeout = 3s
            plugin.choria.network.public_url = broker.example.net:4222
            plugin.choria.network.websocket_port = 18080
            plugin.choria.network.websocket_advertise = ws.example.net:443
            plugin.choria.network.pprof_port = 16060
            plugin.choria.network.soft_shutdown_timeout = 9
            plugin.choria.network.nats_server_binary = /opt/nats/nats-server
            plugin.choria.network.provisioning.client_password = prov
            plugin.choria.network.mapping.names = legacy, broken
            plugin.choria.network.mapping.legacy.source = legacy.>
            plugin.choria.network.mapping.legacy.destination = choria.>
            plugin.choria.network.mapping.broken.source = x.>
            """);
        Assert.Equal(("127.0.0.1", 14222, 15222), (o.ListenAddress, o.ClientPort, o.PeerPort));
        Assert.Equal(["a.example.net:5222", "nats://b.example.net:5222"], o.Peers);
        Assert.Equal(("u", "p"), (o.PeerUser, o.PeerPassword));
        Assert.Equal(TimeSpan.FromSeconds(7), o.WriteDeadline);
        Assert.Equal(TimeSpan.FromSeconds(3), o.AuthTimeout);
        Assert.Equal("broker.example.net:4222", o.PublicUrl);
        Assert.Equal((18080, "ws.example.net:443"), (o.WebsocketPort, o.WebsocketAdvertise));
        Assert.Equal(16060, o.PprofPort);
        Assert.Equal(TimeSpan.FromSeconds(9), o.SoftShutdownTimeout);
        Assert.Equal("/opt/nats/nats-server", o.NatsServerPath);
        Assert.Equal("prov", o.ProvisioningPassword);

        // The mapping without a destination is logged and skipped (docs/broker.md).
        Assert.Equal([new SubjectMapping("legacy.>", "choria.>")], o.Mappings);
    }

    [Fact]
    public async Task Srv_peers_win_over_the_static_list()
    {
        var srv = new FakeSrv([new SrvRecord("c2.example.net.", 5222, 10, 0), new SrvRecord("c1.example.net.", 5223, 0, 0)]);
        var o = await OptionsAsync("""
            plugin.choria.srv_domain = example.net
            plugin.choria.network.peers = static.example.net:5222
            """, srv);
        Assert.Equal("_mcollective-broker._tcp.example.net", Assert.Single(srv.Queries));
        Assert.Equal(["nats://c1.example.net:5223", "nats://c2.example.net:5222"], o.Peers);
    }

    [Fact]
    public async Task Static_peers_are_used_when_srv_finds_nothing()
    {
        var o = await OptionsAsync("""
            plugin.choria.srv_domain = example.net
            plugin.choria.network.peers = static.example.net:5222
            """);
        Assert.Equal(["static.example.net:5222"], o.Peers);
    }

    [Theory]
    [InlineData("plugin.choria.network.deny_server_connections = true", "plugin.choria.network.deny_server_connections")]
    [InlineData("plugin.choria.network.client_signer_cert = /etc/choria/signer.pem", "plugin.choria.network.client_signer_cert")]
    [InlineData("plugin.choria.network.server_signer_cert = abcd", "plugin.choria.network.server_signer_cert")]
    [InlineData("plugin.security.issuer.names = org", "plugin.security.issuer.names")]
    [InlineData("plugin.choria.network.provisioning.signer_cert = /etc/choria/prov.pem", "plugin.choria.network.provisioning.signer_cert")]
    [InlineData("plugin.choria.network.provisioning.provisioner_without_token = true", "plugin.choria.network.provisioning.provisioner_without_token")]
    [InlineData("plugin.choria.network.operator_account = OP", "plugin.choria.network.operator_account")]
    public async Task Unexpressible_settings_are_recorded_only_when_set(string line, string key)
    {
        var o = await OptionsAsync("plugin.choria.use_srv = false\n" + line + "\n");
        Assert.Equal(key, Assert.Single(o.Unsupported).Key);
    }

    [Fact]
    public async Task Unexpressible_settings_at_their_defaults_are_fine()
    {
        var o = await OptionsAsync("""
            plugin.choria.use_srv = false
            plugin.choria.network.deny_server_connections = false
            plugin.choria.network.provisioning.provisioner_without_token = false
            plugin.choria.network.client_signer_cert =
            plugin.choria.network.system_account = ABC
            """);
        Assert.Empty(o.Unsupported);
    }

    private sealed class FakeSrv(IReadOnlyList<SrvRecord> records) : ISrvResolver
    {
        public List<string> Queries { get; } = [];

        public ValueTask<IReadOnlyList<SrvRecord>> ResolveAsync(string name, CancellationToken cancellationToken)
        {
            Queries.Add(name);
            return ValueTask.FromResult(records);
        }
    }
}
