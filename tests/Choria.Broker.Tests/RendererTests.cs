using System.Diagnostics;
using Choria.Broker.Network;

namespace Choria.Broker.Tests;

/// <summary>Golden files for docs/broker.md, plus validation errors.</summary>
[Trait(TestCategory.Name, TestCategory.Process)]
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

    private NetworkBrokerOptions Later() => Single() with
    {
        AuthTimeout = TimeSpan.FromSeconds(3),
        PublicUrl = "broker1.example.net:4222",
        LeafnodePort = 7422,
        WebsocketPort = 8443,
        WebsocketAdvertise = "ws.example.net:443",
        PprofPort = 6060,
        SystemUser = "system",
        SystemPassword = "sys-pw",
        ProvisioningPassword = "prov-pw",
        StreamStore = "/var/lib/choria/streams",
        Mappings = [new SubjectMapping("legacy.>", "choria.>")],
    };

    public static TheoryData<string> Goldens => ["single", "cluster", "leaf-gateway"];

    // "later" carries a random no_auth_user password, so it is only parsed, never compared to a golden file.
    public static TheoryData<string> Parsable => ["single", "cluster", "leaf-gateway", "later"];

    private NetworkBrokerOptions ForGolden(string name) => name switch
    {
        "single" => Single(),
        "cluster" => Cluster(),
        "later" => Later(),
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
            // Regeneration is explicit and the diff is reviewed against docs/broker.md before committing.
            File.WriteAllText(Path.Combine(sourceDir, name + ".conf"), rendered);
        }

        var golden = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", name + ".conf"));
        Assert.Equal(golden, rendered);
    }

    [Theory]
    [MemberData(nameof(Parsable))]
    public async Task Nats_server_accepts_rendered_config(string name)
    {
        var file = Path.Combine(_pki, name + ".conf");
        await File.WriteAllTextAsync(file, NatsServerConfigRenderer.Render(ForGolden(name) with { PortsFileDirectory = _pki }));
        var psi = new ProcessStartInfo(NatsServerProcess.Binary, ["-t", "-c", file]) { RedirectStandardError = true, RedirectStandardOutput = true };
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

    [Fact]
    public void Later_settings_are_rendered()
    {
        var config = NatsServerConfigRenderer.Render(Later());
        Assert.Contains("client_advertise: \"broker1.example.net:4222\"", config, StringComparison.Ordinal);
        Assert.Contains("prof_port: 6060", config, StringComparison.Ordinal);
        Assert.Contains("advertise: \"broker1.example.net:7422\"", config, StringComparison.Ordinal);
        Assert.Contains("advertise: \"ws.example.net:443\"", config, StringComparison.Ordinal);
        Assert.Contains("\"legacy.>\": \"choria.>\"", config, StringComparison.Ordinal);
        Assert.Contains("user: \"provisioner\", password: \"prov-pw\"", config, StringComparison.Ordinal);
        Assert.Equal(2, config.Split("timeout: 3\n").Length - 1);
    }

    [Fact]
    public void Mappings_without_accounts_go_to_the_global_account()
    {
        var config = NatsServerConfigRenderer.Render(Single() with { Mappings = [new SubjectMapping("a.>", "b.>")] });
        Assert.StartsWith("mappings {", config.Split('\n').First(l => l.Contains("mappings", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.DoesNotContain("accounts", config, StringComparison.Ordinal);
    }

    [Fact]
    public void Websocket_without_tls_says_no_tls()
    {
        var config = NatsServerConfigRenderer.Render(Single() with { DisableTls = true, TlsCertificate = null, WebsocketPort = 8080 });
        Assert.Contains("no_tls: true", config, StringComparison.Ordinal);
    }

    [Fact]
    public void Auth_timeout_is_not_rendered_unless_set()
    {
        Assert.DoesNotContain("authorization", NatsServerConfigRenderer.Render(Single()), StringComparison.Ordinal);
    }

    [Fact]
    public void Unsupported_setting_is_refused_in_one_line()
    {
        var o = Single() with { Unsupported = [new UnsupportedSetting("plugin.choria.network.deny_server_connections", "cannot be expressed in nats-server 2.9 configuration (needs a callback)")] };
        var ex = Assert.Throws<BrokerConfigException>(() => NatsServerConfigRenderer.Render(o));
        Assert.Equal("plugin.choria.network.deny_server_connections cannot be expressed in nats-server 2.9 configuration (needs a callback); remove the setting", ex.Message);
    }

    [Fact]
    public void Websocket_port_clash_is_refused()
    {
        var ex = Assert.Throws<BrokerConfigException>(() => NatsServerConfigRenderer.Render(Single() with { WebsocketPort = 4222 }));
        Assert.Contains("client_port and websocket_port are both 4222", ex.Message, StringComparison.Ordinal);
    }
}
