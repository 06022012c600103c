using System.Globalization;
using Prometheus;

namespace Choria.Broker.Adapters;

/// <summary>The <c>choria_adapter_*</c> collectors of docs/adapters.md.</summary>
internal sealed class AdapterMetrics
{
    private static readonly string[] s_workerLabels = ["name", "role", "identity"];
    private static readonly string[] s_queueLabels = ["name", "identity"];

    private readonly Counter _received;
    private readonly Counter _published;
    private readonly Counter _errors;
    private readonly Counter _bytes;
    private readonly Summary _time;

    public AdapterMetrics(CollectorRegistry registry, string adapter, string identity)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        _received = factory.CreateCounter("choria_adapter_received_msgs", "Messages received by an adapter input, or published by an adapter output", new CounterConfiguration { LabelNames = s_workerLabels });
        _published = factory.CreateCounter("choria_adapter_published_msgs", "Registered for compatibility; successful outputs count in choria_adapter_received_msgs", new CounterConfiguration { LabelNames = s_workerLabels });
        _errors = factory.CreateCounter("choria_adapter_errors", "Messages an adapter worker failed to process", new CounterConfiguration { LabelNames = s_workerLabels });
        _bytes = factory.CreateCounter("choria_adapter_bytes", "Payload bytes handled by an adapter worker", new CounterConfiguration { LabelNames = s_workerLabels });
        // Only _sum and _count are exported, as in Go; one age bucket instead of five keeps prometheus-net from
        // sorting every observation into five quantile streams nobody reads (~5% of a busy broker's CPU).
        _time = factory.CreateSummary("choria_adapter_time", "Seconds an adapter worker spent per message", new SummaryConfiguration { LabelNames = s_workerLabels, AgeBuckets = 1 });
        QueueLength = factory.CreateGauge("choria_adapter_queue_length", "Messages waiting in the adapter work queue", new GaugeConfiguration { LabelNames = s_queueLabels }).WithLabels(adapter, identity);
        QueueCapacity = factory.CreateGauge("choria_adapter_queue_capacity", "Capacity of the adapter work queue", new GaugeConfiguration { LabelNames = s_queueLabels }).WithLabels(adapter, identity);
    }

    public Gauge.Child QueueLength { get; }

    public Gauge.Child QueueCapacity { get; }

    public AdapterWorkerMetrics For(string adapter, int worker, string role, string identity)
    {
        string[] values = [string.Create(CultureInfo.InvariantCulture, $"{adapter}.{worker}"), role, identity];
        _published.WithLabels(values);
        return new AdapterWorkerMetrics(_received.WithLabels(values), _errors.WithLabels(values), _bytes.WithLabels(values), _time.WithLabels(values));
    }
}

internal sealed record AdapterWorkerMetrics(Counter.Child Received, Counter.Child Errors, Counter.Child Bytes, Summary.Child Time);
