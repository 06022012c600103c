using System.Diagnostics;
using System.Threading.Channels;
using Choria.Broker.Federation;
using Choria.Connector;
using Choria.Framework.Hosting;
using Microsoft.Extensions.Logging;
using NATS.Client.JetStream;
using Prometheus;

namespace Choria.Broker.Adapters;

/// <summary>
/// Copies Choria traffic from a collective subject into a JetStream stream (docs/adapters.md): ingest
/// workers decode and enqueue without ever blocking, output workers publish with acknowledgement.
/// </summary>
public sealed partial class ProtocolAdapter : IChoriaComponent, IAsyncDisposable
{
    private readonly AdapterOptions _options;
    private readonly BrokerResolver _resolver;
    private readonly ConnectionOptionsFactory _connectionOptions;
    private readonly AdapterMetrics _metrics;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly DropTracker _drops;
    private readonly Channel<AdapterOutput> _queue;
    private readonly List<ChoriaConnection> _connections = [];
    private readonly List<ChoriaSubscription> _subscriptions = [];
    private List<ChoriaConnection> _outputs = [];
    private CancellationTokenSource? _running;
    private List<Task> _workers = [];
    private long _ingested;
    private long _stored;

    public ProtocolAdapter(AdapterOptions options, BrokerResolver resolver, ConnectionOptionsFactory connectionOptions, CollectorRegistry registry, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options;
        _resolver = resolver;
        _connectionOptions = connectionOptions;
        _metrics = new AdapterMetrics(registry, options.Name, options.Identity);
        _metrics.QueueCapacity.Set(options.QueueLength);
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ProtocolAdapter>();
        _drops = new DropTracker(_logger, $"Protocol adapter {options.Name}", Enum.GetNames<AdapterDropReason>(), options.DropLogInterval);
        // Many ingest writers, many output readers; TryWrite on a full queue fails so ingest can drop.
        _queue = Channel.CreateBounded<AdapterOutput>(new BoundedChannelOptions(options.QueueLength) { FullMode = BoundedChannelFullMode.Wait });
    }

    public string Name => $"protocol adapter {_options.Name}";

    /// <summary>Messages decoded and queued.</summary>
    public long Ingested => Interlocked.Read(ref _ingested);

    /// <summary>Messages the stream acknowledged.</summary>
    public long Stored => Interlocked.Read(ref _stored);

    public long Dropped(AdapterDropReason reason) => _drops.Count((int)reason);

    /// <summary>Output (stream side) connections currently connected, for health checks.</summary>
    public int ConnectedOutputs => _outputs.Count(c => c.IsConnected);

    /// <summary>Output connections first (each retried until connected), then ingest, then the workers (docs/adapters.md).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_running is not null)
        {
            throw new InvalidOperationException($"{Name} is already running");
        }

        var stream = await ResolveAsync(_options.StreamBrokers, "stream", cancellationToken);
        var collective = await ResolveAsync(_options.CollectiveBrokers, "collective", cancellationToken);
        var logger = _loggerFactory.CreateLogger<ChoriaConnection>();
        try
        {
            var outputs = new List<ChoriaConnection>();
            for (var i = 0; i < _options.StreamWorkers; i++)
            {
                outputs.Add(await ConnectAsync(_connectionOptions(stream, $"{_options.Name}_{i}-{Guid.NewGuid():N}"), logger, cancellationToken));
            }

            var inputs = new List<(ChoriaConnection, ChoriaSubscription)>();
            for (var i = 0; i < _options.IngestWorkers; i++)
            {
                var connection = await ConnectAsync(_connectionOptions(collective, $"choria adapter {_options.Name}.{i}"), logger, cancellationToken);
                var subscription = await connection.SubscribeAsync(_options.IngestTopic, $"nats_ingest_{_options.Name}", _options.SubscriptionCapacity, BoundedChannelFullMode.DropNewest, cancellationToken);
                _subscriptions.Add(subscription);
                await connection.FlushAsync(cancellationToken);
                inputs.Add((connection, subscription));
            }

            _outputs = outputs;
            _running = new CancellationTokenSource();
            var token = _running.Token;
            _workers = [
                .. outputs.Select((c, i) => RunWorkerAsync($"{_options.Name}.{i} output", () => OutputAsync(i, c, token), token)),
                .. inputs.Select((c, i) => RunWorkerAsync($"{_options.Name}.{i} input", () => IngestAsync(i, c.Item2, token), token)),
            ];
            LogStarted(_logger, _options.Name, _options.IngestTopic, string.Join(", ", collective.Select(h => h.Url)), _options.StreamTopic, string.Join(", ", stream.Select(h => h.Url)));
        }
        catch
        {
            await CloseAsync();
            throw;
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_running is { } running)
        {
            await running.CancelAsync();
            await Task.WhenAll(_workers).WaitAsync(cancellationToken);
        }

        await CloseAsync();
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);

    private async Task IngestAsync(int worker, ChoriaSubscription subscription, CancellationToken cancellationToken)
    {
        var metrics = _metrics.For(_options.Name, worker, "input", _options.Identity);
        await foreach (var message in subscription.ReadAllAsync(cancellationToken))
        {
            var start = Stopwatch.GetTimestamp();
            metrics.Received.Inc();
            metrics.Bytes.Inc(message.Data.Length);
            if (!AdapterOutput.TryCreate(message.Data.Span, _options.IngestProtocol, _options.OutputKind, out var output, out var error))
            {
                metrics.Errors.Inc();
                _drops.Drop((int)AdapterDropReason.Malformed, $"could not process message on {message.Subject}, discarding: {error}");
                continue;
            }

            if (_queue.Writer.TryWrite(output!))
            {
                Interlocked.Increment(ref _ingested);
            }
            else
            {
                metrics.Errors.Inc();
                _drops.Drop((int)AdapterDropReason.QueueFull, $"work queue of {_options.QueueLength} is full, discarding message");
            }

            _metrics.QueueLength.Set(_queue.Reader.Count);
            metrics.Time.Observe(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
    }

    private async Task OutputAsync(int worker, ChoriaConnection connection, CancellationToken cancellationToken)
    {
        var metrics = _metrics.For(_options.Name, worker, "output", _options.Identity);
        var js = new NatsJSContext(connection.Nats);
        var perSender = _options.StreamTopic.Contains("%s", StringComparison.Ordinal);
        var window = Math.Max(1, _options.PublishWindow);
        var inFlight = new Queue<PendingPublish>(window);
        var reader = _queue.Reader;
        while (true)
        {
            if (reader.TryRead(out var output))
            {
                _metrics.QueueLength.Set(reader.Count);
                var start = Stopwatch.GetTimestamp();
                var subject = perSender ? _options.StreamTopic.Replace("%s", output.Sender, StringComparison.Ordinal) : _options.StreamTopic;
                if (!connection.IsConnected)
                {
                    metrics.Errors.Inc();
                    _drops.Drop((int)AdapterDropReason.StreamDisconnected, $"stream connection to {connection.ConnectedServerUrl} is down, message for {subject} lost");
                    continue;
                }

                var payload = output.ToUtf8Bytes();
                inFlight.Enqueue(new PendingPublish(PublishAsync(js, subject, payload, cancellationToken), subject, payload.Length, start));
                if (inFlight.Count >= window)
                {
                    await CompleteAsync(inFlight.Dequeue(), metrics);
                }

                continue;
            }

            // Nothing queued right now: settle outstanding acks before sleeping on the queue.
            if (inFlight.Count > 0)
            {
                await CompleteAsync(inFlight.Dequeue(), metrics);
                continue;
            }

            if (!await reader.WaitToReadAsync(cancellationToken))
            {
                return;
            }
        }
    }

    private async Task CompleteAsync(PendingPublish pending, AdapterWorkerMetrics metrics)
    {
        if (await pending.Ack is { } failure)
        {
            metrics.Errors.Inc();
            _drops.Drop((int)AdapterDropReason.PublishFailed, $"publishing to {pending.Subject} failed: {failure}");
            return;
        }

        Interlocked.Increment(ref _stored);
        metrics.Received.Inc();
        metrics.Bytes.Inc(pending.Bytes);
        metrics.Time.Observe(Stopwatch.GetElapsedTime(pending.Start).TotalSeconds);
    }

    /// <summary>Null on success, else the failure text; the wait for the ack is bounded so a dead stream cannot stall a worker.</summary>
    private async Task<string?> PublishAsync(NatsJSContext js, string subject, byte[] payload, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.PublishTimeout);
        try
        {
            var ack = await js.PublishAsync(subject, payload, cancellationToken: timeout.Token);
            return ack.Error is { } e ? $"{e.Code} {e.Description}" : null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no acknowledgement within {_options.PublishTimeout.TotalSeconds:0.###}s";
        }
        catch (Exception ex) when (ex is NatsJSException or NATS.Client.Core.NatsException or TimeoutException)
        {
            return ex.Message;
        }
    }

    private async Task<ChoriaConnection> ConnectAsync(ConnectorOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var connection = await ChoriaConnection.ConnectAsync(options, logger, cancellationToken);
        _connections.Add(connection);
        return connection;
    }

    private async Task<IReadOnlyList<BrokerHost>> ResolveAsync(BrokerResolutionOptions options, string side, CancellationToken cancellationToken)
    {
        var resolution = await _resolver.ResolveAsync(options, cancellationToken);
        if (!resolution.Success || resolution.Hosts.Count == 0)
        {
            throw new InvalidOperationException($"{Name}: cannot determine the {side} brokers: {resolution.Error ?? "none found"}");
        }

        return resolution.Hosts;
    }

    private async Task CloseAsync()
    {
        foreach (var subscription in _subscriptions)
        {
            await subscription.DisposeAsync();
        }

        _subscriptions.Clear();
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }

        _connections.Clear();
        _outputs = [];
        _running?.Dispose();
        _running = null;
        _workers = [];
    }

    private async Task RunWorkerAsync(string worker, Func<Task> loop, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Run(loop, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Normal shutdown.
        }
        catch (Exception ex)
        {
            LogWorkerFailed(_logger, worker, ex);
        }
    }

    private readonly record struct PendingPublish(Task<string?> Ack, string Subject, int Bytes, long Start);

    [LoggerMessage(Level = LogLevel.Information, Message = "Protocol adapter {Name} copying {IngestTopic} from {Collective} to {StreamTopic} on {Stream}")]
    private static partial void LogStarted(ILogger logger, string name, string ingestTopic, string collective, string streamTopic, string stream);

    [LoggerMessage(Level = LogLevel.Error, Message = "Protocol adapter worker {Worker} stopped unexpectedly")]
    private static partial void LogWorkerFailed(ILogger logger, string worker, Exception exception);
}
