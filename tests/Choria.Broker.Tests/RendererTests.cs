using System.Diagnostics;
using Choria.Broker.Network;

namespace Choria.Broker.Tests;

/// <summary>Golden files for broker.md 2.15.1-2.15.3, plus validation errors.</summary>
public sealed class RendererTests : IDisposable
{
    private readonly TestPki _testPki = new();
    private readonly string _pki;

    public RendererTests()
    {
        _pki = _testPki.Dir;
        _testPki.Issue("broker");
    }

    public void Dispose() => _testPki.Dispose();

    private NetworkBrokerOptions Base(string identity) => new()
    {
        Identity = identity,
        ConfigFile = "/etc/choria/broker.conf",
        TlsCertificate = Path.Combine(_pki, "broker.pem"),
        TlsKey = Path.Combine(_pki, "broker.key"),
        TlsCa = Path.Combine(_pki, "ca.pem"),
        MonitorPort = 18222,
        PortsFileDirectory = "/run/choria-broker",
    };

    private NetworkBrokerOptions Single() => Base("broker1.example.net") with { StatsPort = 8222, StatsAddress = "0.0.0.0" };

    private NetworkBrokerOptions Cluster() => Base("choria1.example.net") with
    {
        Peers = ["nats://choria1.example.net:5222", "nats://choria2.example.net:5222", "choria3.example.net:5222"],
        PeerUser = "choria_cluster",
        PeerPassword = "s3cret",
        StatsPort = 8222,
    };

    private NetworkBrokerOptions LeafGateway() => Single() with
    {
        LeafnodePort = 7422,
        LeafnodeRemotes = [new LeafnodeRemote { Name = "hub", Urls = ["hub.example.net:7422"] }],
        GatewayPort = 7222,
        GatewayRemotes = [new GatewayRemote { Name = "CHORIA_NYC", Urls = ["gw1.nyc.example.net:7222"] }],
    };

    public static TheoryData<string> Goldens => ["single", "cluster", "leaf-gateway"];

    private NetworkBrokerOptions ForGolden(string name) => name switch
    {
        "single" => Single(),
        "cluster" => Cluster(),
        _ => LeafGateway(),
    };

    private string RenderNormalised(NetworkBrokerOptions o) => NatsServerConfigRenderer.Render(o).Replace(_pki, "$PKI", StringComparison.Ordinal);

    [Theory]
    [MemberData(nameof(Goldens))]
    public void Rendered_config_matches_golden_file(string name)
    {
        var rendered = RenderNormalised(ForGolden(name));
        if (Environment.GetEnvironmentVariable("CHORIA_UPDATE_GOLDEN") is { Length: > 0 } sourceDir)
        {
            // Regeneration is explicit and the diff is reviewed against broker.md 2.15 before committing.
            File.WriteAllText(Path.Combine(sourceDir, name + ".conf"), rendered);
        }

        var golden = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", name + ".conf"));
        Assert.Equal(golden, rendered);
    }

    [Theory]
    [MemberData(nameof(Goldens))]
    public async Task Nats_server_accepts_rendered_config(string name)
    {
        var file = Path.Combine(_pki, name + ".conf");
        await File.WriteAllTextAsync(file, NatsServerConfigRenderer.Render(ForGolden(name) with { PortsFileDirectory = _pki }));
        var psi = new ProcessStartInfo("/usr/sbin/nats-server", ["-t", "-c", file]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, err);
    }

    [Fact]
    public void Route_credentials_are_percent_encoded_into_every_route()
    {
        var config = NatsServerConfigRenderer.Render(Cluster() with { PeerUser = "u@x", PeerPassword = "p:/ss" });
        Assert.Contains("\"nats-route://u%40x:p%3A%2Fss@choria2.example.net:5222\"", config, StringComparison.Ordinal);
    }

    [Fact]
    public void Disable_tls_renders_no_tls_blocks()
    {
        var config = NatsServerConfigRenderer.Render(Single() with { DisableTls = true, TlsCertificate = null });
        Assert.DoesNotContain("tls {", config, StringComparison.Ordinal);
    }

    [Fact]
    public void System_user_and_streams_render_accounts_and_jetstream()
    {
        var config = NatsServerConfigRenderer.Render(Single() with { SystemUser = "system", SystemPassword = "pw", StreamStore = "/var/lib/choria/streams" });
        Assert.Contains("system_account: \"system\"", config, StringComparison.Ordinal);
        Assert.Contains("jetstream: enabled", config, StringComparison.Ordinal);
        Assert.Contains("store_dir: \"/var/lib/choria/streams\"", config, StringComparison.Ordinal);
    }

    [Fact]
    public void Streams_without_peers_render_no_cluster_so_jetstream_can_start()
    {
        var result = NatsServerConfigRenderer.RenderWithNotes(Single() with { PeerPort = 5222, StreamStore = "/var/lib/choria/streams" });
        Assert.DoesNotContain("cluster {", result.Config, StringComparison.Ordinal);
        Assert.Contains("store_dir: \"/var/lib/choria/streams\"", result.Config, StringComparison.Ordinal);
        Assert.Contains(result.Notes, n => n.Contains("no peers", StringComparison.Ordinal));

        var clustered = NatsServerConfigRenderer.Render(Single() with { PeerPort = 5222, Peers = ["nats://choria2.example.net:5222"], StreamStore = "/var/lib/choria/streams" });
        Assert.Contains("cluster {", clustered, StringComparison.Ordinal);
    }

    [Fact]
    public void Client_hosts_is_refused_as_not_expressible()
    {
        var ex = Assert.Throws<BrokerConfigException>(() => NatsServerConfigRenderer.Render(Single() with { ClientHosts = ["10.0.0.0/8"] }));
        Assert.Contains("client_hosts", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cannot be expressed in nats-server 2.9", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Theory]
    [InlineData("choria2.example.net", "a port is required")]
    [InlineData("nats://choria2.example.net", "a port is required")]
    [InlineData("nats://choria2.example.net:99999", "expected host:port")]
    [InlineData("nats://:5222", "expected host:port")]
    public void Invalid_peer_url_names_the_peer(string peer, string reason)
    {
        var ex = Assert.Throws<BrokerConfigException>(() => NatsServerConfigRenderer.Render(Cluster() with { Peers = [peer] }));
        Assert.Contains($"invalid peer URL '{peer}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_tls_file_names_the_file()
    {
        var ex = Assert.Throws<BrokerConfigException>(() => NatsServerConfigRenderer.Render(Single() with { TlsKey = "/nonexistent/key.pem" }));
        Assert.Equal("TLS private key file '/nonexistent/key.pem' does not exist", ex.Message);
    }

    [Fact]
    public void Gateway_remote_tls_disable_is_refused_when_gateway_has_tls()
    {
        var o = LeafGateway() with { GatewayRemotes = [new GatewayRemote { Name = "X", Urls = ["x:7222"], Tls = new RemoteTls { Disable = true } }] };
        var ex = Assert.Throws<BrokerConfigException>(() => NatsServerConfigRenderer.Render(o));
        Assert.Contains("cannot be expressed in nats-server 2.9", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Port_clash_is_refused()
    {
        var ex = Assert.Throws<BrokerConfigException>(() => NatsServerConfigRenderer.Render(Single() with { PeerPort = 4222 }));
        Assert.Contains("client_port and peer_port are both 4222", ex.Message, StringComparison.Ordinal);
    }
}
