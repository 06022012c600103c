using Choria.IntegrationTests.Infrastructure;

namespace Choria.IntegrationTests.Server;

/// <summary>One broker, two real <c>choria server</c> processes and a connected test client, shared by a test class.</summary>
public sealed class ServerNetworkFixture : IAsyncLifetime
{
    public const string Node1 = "node1.example.net";
    public const string Node2 = "node2.example.net";

    public ChoriaTestNetwork Network { get; } = new();

    public ChoriaTestClient Client { get; private set; } = null!;

    public ChoriaServerNode Server1 { get; private set; } = null!;

    public ChoriaServerNode Server2 { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Network.StartBrokerAsync();
        var s1 = Network.StartServerAsync(Node1,
            """{"role":"db","hostname":"node1","nested":{"string":"nested hello world"},"inumber":1}""",
            ["role::db", "apache"],
            "collectives = mcollective,other\n");
        var s2 = Network.StartServerAsync(Node2, """{"role":"web","hostname":"node4","inumber":2}""", ["role::web"]);
        Server1 = await s1;
        Server2 = await s2;
        Client = await ChoriaTestClient.ConnectAsync(Network.WriteClientConfig("rip.mcollective"));
    }

    public async Task DisposeAsync()
    {
        if (Client is not null)
        {
            await Client.DisposeAsync();
        }

        await Network.DisposeAsync();
    }
}
