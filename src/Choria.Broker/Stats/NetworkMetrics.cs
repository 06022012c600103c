using System.Net.Http.Json;
using Prometheus;

namespace Choria.Broker.Stats;

/// <summary>The choria_network_* gauges of docs/broker.md, fed from nats-server's /varz.</summary>
internal sealed class NetworkMetrics
{
    private readonly Gauge.Child _connections;
    private readonly Gauge.Child _totalConnections;
    private readonly Gauge.Child _routes;
    private readonly Gauge.Child _remotes;
    private readonly Gauge.Child _leafnodes;
    private readonly Gauge.Child _inMsgs;
    private readonly Gauge.Child _outMsgs;
    private readonly Gauge.Child _inBytes;
    private readonly Gauge.Child _outBytes;
    private readonly Gauge.Child _slowConsumers;
    private readonly Gauge.Child _subscriptions;

    public NetworkMetrics(CollectorRegistry registry, string identity)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        Gauge.Child G(string name, string help) => factory.CreateGauge(name, help, ["identity"]).WithLabels(identity);
        _connections = G("choria_network_connections", "Current connections on the network broker");
        _totalConnections = G("choria_network_total_connections", "Total connections received since start");
        _routes = G("choria_network_routes", "Current active routes to other brokers");
        _remotes = G("choria_network_remotes", "Current active remote brokers");
        _leafnodes = G("choria_network_leafnode_remotes", "Current active leafnode connections");
        _inMsgs = G("choria_network_in_msgs", "Messages received by the network broker");
        _outMsgs = G("choria_network_out_msgs", "Messages sent by the network broker");
        _inBytes = G("choria_network_in_bytes", "Bytes received by the network broker");
        _outBytes = G("choria_network_out_bytes", "Bytes sent by the network broker");
        _slowConsumers = G("choria_network_slow_consumers", "Slow consumers seen by the network broker");
        _subscriptions = G("choria_network_subscriptions", "Current subscriptions on the network broker");
    }

    public async Task PollAsync(HttpClient http, Uri monitor, CancellationToken cancellationToken)
    {
        var varz = await http.GetFromJsonAsync(new Uri(monitor, "varz"), StatsJsonContext.Default.Varz, cancellationToken)
            ?? throw new InvalidDataException("nats-server returned an empty /varz");
        Update(varz);
    }

    public void Update(Varz v)
    {
        _connections.Set(v.Connections);
        _totalConnections.Set(v.TotalConnections);
        _routes.Set(v.Routes);
        _remotes.Set(v.Remotes);
        _leafnodes.Set(v.Leafnodes);
        _inMsgs.Set(v.InMsgs);
        _outMsgs.Set(v.OutMsgs);
        _inBytes.Set(v.InBytes);
        _outBytes.Set(v.OutBytes);
        _slowConsumers.Set(v.SlowConsumers);
        _subscriptions.Set(v.Subscriptions);
    }
}
