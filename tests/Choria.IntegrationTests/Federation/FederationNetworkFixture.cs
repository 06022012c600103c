using Choria.IntegrationTests.Infrastructure;

namespace Choria.IntegrationTests.Federation;

/// <summary>
/// Two member collectives joined by a federation network, all real processes (docs/federation.md):
/// <list type="bullet">
/// <item>federation network: a TLS nats-server;</item>
/// <item>collective <c>alpha</c>: a TLS nats-server, bridged by two <c>choria broker run</c> federation-only instances;</item>
/// <item>collective <c>beta</c>: one <c>choria broker run</c> that is the network broker and its own federation broker;</item>
/// <item>two <c>choria server run</c> per collective and a federated client config.</item>
/// </list>
/// </summary>
public sealed class FederationNetworkFixture : IAsyncLifetime
{
    public const string Alpha1 = "alpha1.example.net";
    public const string Alpha2 = "alpha2.example.net";
    public const string Beta1 = "beta1.example.net";
    public const string Beta2 = "beta2.example.net";

    public static readonly string[] AllNodes = [Alpha1, Alpha2, Beta1, Beta2];

    public ChoriaTestNetwork Network { get; } = new();

    public string ClientConfig { get; private set; } = "";

    /// <summary>A plain (unfederated) client on the federation network, for raw publishes.</summary>
    public string FederationNetworkConfig { get; private set; } = "";

    /// <summary>Stats ports of the two alpha federation broker instances.</summary>
    public IReadOnlyList<int> AlphaBrokerStatsPorts { get; private set; } = [];

    /// <summary>Stats port of the beta network + federation broker.</summary>
    public int BetaStatsPort { get; private set; }

    public IReadOnlyList<ManagedProcess> FederationBrokers { get; private set; } = [];

    public async Task InitializeAsync()
    {
        var federation = Network.StartNatsServerAsync("federation");
        var alpha = Network.StartNatsServerAsync("alpha");
        var fedHost = $"localhost:{(await federation).Port}";
        var alphaHost = $"localhost:{(await alpha).Port}";

        // The beta network broker doubles as beta's federation broker: its collective side is itself.
        var betaPorts = BrokerPorts.Free();
        BetaStatsPort = betaPorts.Stats;
        var betaHost = $"localhost:{betaPorts.Client}";
        var beta = Network.StartChoriaBroker(Network.WriteBrokerConfig("beta", betaPorts, $"""
            plugin.choria.broker_federation = true
            plugin.choria.federation.cluster = beta
            plugin.choria.federation_middleware_hosts = {fedHost}
            plugin.choria.middleware_hosts = {betaHost}
            """));

        var alphaPorts = new[] { FreePort.Next(), FreePort.Next() };
        AlphaBrokerStatsPorts = alphaPorts;
        var alphaBrokers = alphaPorts.Select((port, i) => Network.StartChoriaBroker(WriteFederationBrokerConfig($"fb-alpha-{i + 1}.example.net", "alpha", fedHost, alphaHost, port))).ToList();
        FederationBrokers = [.. alphaBrokers, beta];

        await Task.WhenAll(FederationBrokers.Select(b => b.WaitForOutputAsync("running between federation brokers", TimeSpan.FromSeconds(30))));

        var servers = new[]
        {
            Network.StartServerAsync(Alpha1, """{"country":"mt","collective_network":"alpha"}""", ["role::web"], middlewareHosts: alphaHost),
            Network.StartServerAsync(Alpha2, """{"country":"de","collective_network":"alpha"}""", ["role::db"], middlewareHosts: alphaHost),
            Network.StartServerAsync(Beta1, """{"country":"uk","collective_network":"beta"}""", ["role::web"], middlewareHosts: betaHost),
            Network.StartServerAsync(Beta2, """{"country":"fr","collective_network":"beta"}""", ["role::db"], middlewareHosts: betaHost),
        };
        await Task.WhenAll(servers);

        // middleware_hosts points nowhere: a federated client must only ever use the federation network.
        ClientConfig = Network.WriteClientConfig("rip.mcollective", $"""
            plugin.choria.federation.collectives = alpha, beta
            plugin.choria.federation_middleware_hosts = {fedHost}
            discovery_timeout = 1
            """ + "\n", middlewareHosts: "localhost:1");
        FederationNetworkConfig = Network.WriteClientConfig("raw.mcollective", middlewareHosts: fedHost);
    }

    public async Task DisposeAsync() => await Network.DisposeAsync();

    /// <summary>A federation-only <c>choria broker run</c> config (no network broker), as in docs/federation.md.</summary>
    private string WriteFederationBrokerConfig(string identity, string cluster, string federationHosts, string collectiveHosts, int statsPort)
    {
        var path = Path.Combine(Network.Root, identity + ".conf");
        File.WriteAllText(path, Network.BaseConfig(identity, identity, collectiveHosts) + $"""
            loglevel = info
            plugin.choria.broker_federation = true
            plugin.choria.federation.cluster = {cluster}
            plugin.choria.federation_middleware_hosts = {federationHosts}
            plugin.choria.stats_address = 127.0.0.1
            plugin.choria.stats_port = {statsPort}
            """ + "\n");
        return path;
    }
}
