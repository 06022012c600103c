using Choria.Broker.Network;

namespace Choria.Broker.Tests;

/// <summary>nats-server -t only parses; these start the richer renderings for real (docs/broker.md semantic checks).</summary>
[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class RenderedStartTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task Leafnode_listener_with_gateway_starts_thanks_to_the_added_system_account()
    {
        var o = TestSupport.Options(_pki, "leafgw", FreePort.Next(), FreePort.Next()) with
        {
            LeafnodePort = FreePort.Next(),
            LeafnodeRemotes = [new LeafnodeRemote { Name = "hub", Urls = [$"127.0.0.1:{FreePort.Next()}"] }],
            GatewayPort = FreePort.Next(),
            GatewayRemotes = [new GatewayRemote { Name = "CHORIA_NYC", Urls = [$"127.0.0.1:{FreePort.Next()}"] }],
        };
        await using var sup = new NatsServerSupervisor(o, TestSupport.Logger<NatsServerSupervisor>());
        await sup.StartAsync(CancellationToken.None);
        Assert.True(sup.IsReady);
    }

    [Fact]
    public async Task System_user_and_jetstream_start_and_clients_without_credentials_work()
    {
        var store = Path.Combine(_pki.Dir, "streams");
        var port = FreePort.Next();
        var o = TestSupport.Options(_pki, "js1", port) with { SystemUser = "system", SystemPassword = "sys-pw", StreamStore = store };
        await using var sup = new NatsServerSupervisor(o, TestSupport.Logger<NatsServerSupervisor>());
        await sup.StartAsync(CancellationToken.None);

        var (cert, key) = _pki.Issue("jsclient");
        await using var client = NatsClients.Tls(port, cert, key, _pki.CaFile);
        await client.ConnectAsync();
        Assert.Equal("hello", await NatsClients.RoundTripAsync(client, client, "js.test", TimeSpan.FromSeconds(5)));
        var info = await client.RequestAsync<string, string>("$JS.API.INFO", "");
        Assert.Contains("\"memory\"", info.Data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Later_listeners_mappings_and_provisioning_start_and_map_subjects()
    {
        var port = FreePort.Next();
        var o = TestSupport.Options(_pki, "later1", port) with
        {
            AuthTimeout = TimeSpan.FromSeconds(4),
            PublicUrl = "broker.example.net:4222",
            WebsocketPort = FreePort.Next(),
            WebsocketAdvertise = "ws.example.net:443",
            PprofPort = FreePort.Next(),
            ProvisioningPassword = "prov-pw",
            Mappings = [new SubjectMapping("legacy.>", "mapped.>")],
        };
        await using var sup = new NatsServerSupervisor(o, TestSupport.Logger<NatsServerSupervisor>());
        await sup.StartAsync(CancellationToken.None);

        var (cert, key) = _pki.Issue("laterclient");
        await using var client = NatsClients.Tls(port, cert, key, _pki.CaFile);
        await client.ConnectAsync();
        await using var sub = await client.SubscribeCoreAsync<string>("mapped.x");
        await client.PingAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.PublishAsync("legacy.x", "hello", cancellationToken: cts.Token);
        Assert.Equal("hello", (await sub.Msgs.ReadAsync(cts.Token)).Data);

        using var http = new HttpClient();
        using var varz = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(new Uri(sup.MonitorUri, "varz")));
        Assert.Equal(4, varz.RootElement.GetProperty("auth_timeout").GetDouble());
    }
}
