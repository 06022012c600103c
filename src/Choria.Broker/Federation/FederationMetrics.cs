using System.Globalization;
using Prometheus;

namespace Choria.Broker.Federation;

/// <summary>The <c>choria_federation_*</c> collectors of docs/federation.md, registered in the caller's registry.</summary>
internal sealed class FederationMetrics
{
    private static readonly string[] s_labels = ["name", "worker", "connected_to", "cluster", "identity"];

    private readonly Counter _received;
    private readonly Counter _published;
    private readonly Counter _errors;
    private readonly Summary _time;

    public FederationMetrics(CollectorRegistry registry)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        _received = factory.CreateCounter("choria_federation_received_msgs", "Messages received by a federation pipeline stage", new CounterConfiguration { LabelNames = s_labels });
        _published = factory.CreateCounter("choria_federation_published_msgs", "Messages published by a federation egest worker", new CounterConfiguration { LabelNames = s_labels });
        _errors = factory.CreateCounter("choria_federation_errors", "Messages a federation pipeline stage could not process", new CounterConfiguration { LabelNames = s_labels });
        // Only _sum and _count are exported, as in Go; one age bucket instead of five keeps prometheus-net from
        // sorting every observation into five quantile streams nobody reads (~5% of a busy broker's CPU).
        _time = factory.CreateSummary("choria_federation_time", "Seconds a federation pipeline stage spent per message", new SummaryConfiguration { LabelNames = s_labels, AgeBuckets = 1 });
    }

    public StageMetrics For(string stage, int worker, string connectedTo, string cluster, string identity)
    {
        string[] values = [stage, worker.ToString(CultureInfo.InvariantCulture), connectedTo, cluster, identity];
        return new StageMetrics(_received.WithLabels(values), _published.WithLabels(values), _errors.WithLabels(values), _time.WithLabels(values));
    }
}

internal sealed record StageMetrics(Counter.Child Received, Counter.Child Published, Counter.Child Errors, Summary.Child Time);
