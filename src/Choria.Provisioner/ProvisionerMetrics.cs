using Prometheus;

namespace Choria.Provisioner;

/// <summary>The provisioner's Prometheus metrics, in their own registry (served on <c>monitor_port</c>).</summary>
public sealed class ProvisionerMetrics
{
    public ProvisionerMetrics(CollectorRegistry registry)
    {
        Registry = registry;
        var factory = Metrics.WithCustomRegistry(registry);
        Discovered = factory.CreateCounter("choria_provisioner_discovered", "Nodes found waiting to be provisioned, by how they were found", "source");
        Provisioned = factory.CreateCounter("choria_provisioner_provisioned", "Nodes configured and told to restart");
        Errors = factory.CreateCounter("choria_provisioner_provision_errors", "Failed provisioning attempts by reason", "type");
        HelperTime = factory.CreateHistogram("choria_provisioner_helper_time", "Seconds the helper took per node", new HistogramConfiguration
        {
            Buckets = Histogram.ExponentialBuckets(0.01, 2, 14),
        });
        // Per action, so a bench or an operator sees which step bounds the throughput (key generation, the helper, ...).
        RpcTime = factory.CreateHistogram("choria_provisioner_rpc_time", "Seconds each request to a node took, by action", new HistogramConfiguration
        {
            LabelNames = ["action"],
            Buckets = Histogram.ExponentialBuckets(0.005, 2, 14),
        });
        BusyWorkers = factory.CreateGauge("choria_provisioner_busy_workers", "Workers provisioning a node right now");
    }

    public CollectorRegistry Registry { get; }

    public Counter Discovered { get; }

    public Counter Provisioned { get; }

    public Counter Errors { get; }

    public Histogram HelperTime { get; }

    public Histogram RpcTime { get; }

    public Gauge BusyWorkers { get; }
}
