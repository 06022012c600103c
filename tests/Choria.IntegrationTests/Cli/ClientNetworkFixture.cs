using Choria.IntegrationTests.Infrastructure;

namespace Choria.IntegrationTests.Cli;

/// <summary>Our <c>choria broker run</c> and three real <c>choria server run</c> processes, shared by a test class.</summary>
public sealed class ClientNetworkFixture : IAsyncLifetime
{
    public const string Node1 = "node1.example.net";
    public const string Node2 = "node2.example.net";
    public const string Node3 = "node3.example.net";
    public const string MarkerKey = "plugin.e2e.marker";

    public ChoriaTestNetwork Network { get; } = new();

    public string ClientConfig { get; private set; } = "";

    public ChoriaServerNode Server1 { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Network.StartBrokerAsync(TestBrokerKind.ChoriaBroker);
        var status = Path.Combine(Network.Root, "node1-status.json");
        var s1 = Network.StartServerAsync(Node1, """{"country":"mt","role":"web"}""", ["role::web", "apache"],
            $"{MarkerKey} = present\nplugin.choria.status_file_path = {status}\nplugin.choria.status_update_interval = 1\n");
        var s2 = Network.StartServerAsync(Node2, """{"country":"de","role":"db"}""", ["role::db"]);
        var s3 = Network.StartServerAsync(Node3, """{"country":"uk","role":"web"}""", ["role::web"]);
        Server1 = await s1;
        await s2;
        await s3;
        // Three local servers answer discovery in milliseconds; the 2 s default would dominate the class run time.
        ClientConfig = Network.WriteClientConfig("rip.mcollective", "discovery_timeout = 1\n");
    }

    public async Task DisposeAsync() => await Network.DisposeAsync();
}
