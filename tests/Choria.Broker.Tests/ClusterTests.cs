using Choria.Broker.Network;

namespace Choria.Broker.Tests;

[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class ClusterTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task Three_brokers_route_messages_and_survive_losing_one()
    {
        var clientPorts = Enumerable.Range(0, 3).Select(_ => FreePort.Next()).ToArray();
        var peerPorts = Enumerable.Range(0, 3).Select(_ => FreePort.Next()).ToArray();
        var peers = peerPorts.Select(p => $"nats://127.0.0.1:{p}").ToArray();
        var brokers = new List<NatsServerSupervisor>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var o = TestSupport.Options(_pki, $"c{i + 1}", clientPorts[i], peerPorts[i]) with
                {
                    Peers = peers,
                    PeerUser = "choria_cluster",
                    PeerPassword = "s3cr@t",
                };
                var sup = new NatsServerSupervisor(o, TestSupport.Logger<NatsServerSupervisor>());
                brokers.Add(sup);
            }

            await Task.WhenAll(brokers.Select(b => b.StartAsync(CancellationToken.None)));

            var (cert, key) = _pki.Issue("clusterclient");
            await using var c1 = NatsClients.Tls(clientPorts[0], cert, key, _pki.CaFile);
            await using var c3 = NatsClients.Tls(clientPorts[2], cert, key, _pki.CaFile);
            await c1.ConnectAsync();
            await c3.ConnectAsync();
            Assert.Equal("hello", await NatsClients.RoundTripAsync(c1, c3, "cluster.one", TimeSpan.FromSeconds(10)));

            // Broker 2 dies hard (no graceful route close); stopping its supervisor right after only
            // prevents the restart, the routes to it are already gone.
            System.Diagnostics.Process.GetProcessById(brokers[1].ProcessId!.Value).Kill();
            await brokers[1].StopAsync(CancellationToken.None);
            Assert.Equal("hello", await NatsClients.RoundTripAsync(c1, c3, "cluster.two", TimeSpan.FromSeconds(10)));
            Assert.Equal("hello", await NatsClients.RoundTripAsync(c3, c1, "cluster.three", TimeSpan.FromSeconds(10)));
        }
        finally
        {
            foreach (var b in brokers)
            {
                await b.DisposeAsync();
            }
        }
    }
}
