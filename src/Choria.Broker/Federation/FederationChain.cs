using System.Diagnostics;
using System.Threading.Channels;
using Choria.Connector;
using Choria.Protocol.Federation;
using Choria.Protocol.Messages;
using Choria.Protocol.Subjects;
using Microsoft.Extensions.Logging;

namespace Choria.Broker.Federation;

internal enum FederationDirection
{
    /// <summary>Federation network → collective network.</summary>
    Requests,

    /// <summary>Collective network → federation network.</summary>
    Replies,
}

/// <summary>
/// A message moving through a chain, with the stations it passed for the seen-by hop (docs/federation.md).
/// Only the headers are decoded: <see cref="RawData"/> is the received <c>data</c> JSON token,
/// published again verbatim, so the payload is never base64-decoded, re-escaped or copied.
/// </summary>
internal sealed class FederationItem(TransportHeaders headers, ReadOnlyMemory<byte> rawData, string ingestServer, int ingestWorker)
{
    public TransportHeaders Headers { get; set; } = headers;

    public ReadOnlyMemory<byte> RawData { get; } = rawData;

    public IReadOnlyList<string> Targets { get; set; } = [];

    /// <summary>URL of the server the message was received from: the hop's first entry.</summary>
    public string IngestServer { get; } = ingestServer;

    public int IngestWorker { get; } = ingestWorker;

    public int TransformerWorker { get; set; }
}

/// <summary>One direction of the broker: ingest workers → transformer workers → egest workers (docs/federation.md).</summary>
internal sealed partial class FederationChain
{
    private readonly FederationDirection _direction;
    private readonly FederationBrokerOptions _options;
    private readonly FederationMetrics _metrics;
    private readonly DropTracker _drops;
    private readonly ILogger _logger;
    private readonly Channel<List<FederationItem>> _toTransformer;
    private readonly Channel<List<FederationItem>> _toEgest;
    private readonly string _repliesSubject;
    private readonly int _batchSize;

    public FederationChain(FederationDirection direction, FederationBrokerOptions options, FederationMetrics metrics, DropTracker drops, ILogger logger)
    {
        _direction = direction;
        _options = options;
        _metrics = metrics;
        _drops = drops;
        _logger = logger;
        _repliesSubject = ChoriaSubjects.FederationReplies(options.Cluster);
        // Synchronous continuations let an idle next stage run on the writer's thread instead of
        // waiting for a thread-pool dispatch per hop, which dominated on a busy machine; the
        // stages, their bounds and the back-pressure stay as docs/federation.md describes.
        // Items travel in batches of what a stage found waiting: each hand-off costs a lock, a wake-up and an
        // async step, which dominated the chain's CPU when paid per message. Capacities stay message bounds.
        _batchSize = Math.Max(1, options.HandOffBatchSize);
        _toTransformer = CreateQueue(options.TransformerQueueCapacity, _batchSize);
        _toEgest = CreateQueue(options.EgestQueueCapacity, _batchSize);
    }

    private static Channel<List<FederationItem>> CreateQueue(int messages, int batchSize) =>
        Channel.CreateBounded<List<FederationItem>>(new BoundedChannelOptions(Math.Max(1, messages / batchSize)) { FullMode = BoundedChannelFullMode.Wait, AllowSynchronousContinuations = true });

    private string IngestSide => _direction == FederationDirection.Requests ? "federation" : "collective";

    private string EgestSide => _direction == FederationDirection.Requests ? "collective" : "federation";

    private string TransformerName => _direction == FederationDirection.Requests ? "choria_request_transformer" : "choria_reply_transformer";

    public List<Task> Start(IReadOnlyList<(ChoriaConnection Connection, ChoriaSubscription Subscription)> ingest, IReadOnlyList<ChoriaConnection> egest, CancellationToken cancellationToken)
    {
        var tasks = new List<Task>();
        // Channel waits take no token: a cancellable one makes every wait allocate and register a callback.
        // Completing both channels on shutdown wakes the waiting readers and writers instead.
        cancellationToken.Register(() =>
        {
            _toTransformer.Writer.TryComplete();
            _toEgest.Writer.TryComplete();
        });
        for (var i = 0; i < ingest.Count; i++)
        {
            var (connection, subscription) = ingest[i];
            var worker = i;
            tasks.Add(RunWorkerAsync($"nats_ingest:{worker}", () => IngestAsync(worker, connection, subscription, cancellationToken), cancellationToken));
        }

        for (var i = 0; i < _options.TransformerWorkers; i++)
        {
            var worker = i;
            tasks.Add(RunWorkerAsync($"{TransformerName}:{worker}", () => TransformAsync(worker, cancellationToken), cancellationToken));
        }

        for (var i = 0; i < egest.Count; i++)
        {
            var connection = egest[i];
            var worker = i;
            tasks.Add(RunWorkerAsync($"nats_egest:{worker}", () => EgestAsync(worker, connection, ingest.Count, cancellationToken), cancellationToken));
        }

        return tasks;
    }

    private async Task IngestAsync(int worker, ChoriaConnection connection, ChoriaSubscription subscription, CancellationToken cancellationToken)
    {
        var metrics = _metrics.For("nats_ingest", worker, IngestSide, _options.Cluster, _options.Identity);
        var batchSize = _batchSize;
        while (await subscription.WaitToReadAsync(cancellationToken))
        {
            var start = Stopwatch.GetTimestamp();
            var batch = new List<FederationItem>(batchSize);
            var read = 0;
            while (read < batchSize && subscription.TryRead(out var message))
            {
                read++;
                if (!TransportReader.TryReadRaw(message.Data, out var headers, out var rawData, out var error))
                {
                    Drop(metrics, FederationDropReason.Malformed, $"{message.Subject}: {error}");
                    continue;
                }

                if (headers.Federation is null)
                {
                    Drop(metrics, FederationDropReason.NotFederated, $"{message.Subject}: message has no federation header");
                    continue;
                }

                batch.Add(new FederationItem(headers, rawData, connection.ConnectedServerUrl, worker));
            }

            metrics.Received.Inc(read);
            if (batch.Count > 0)
            {
                await _toTransformer.Writer.WriteAsync(batch, CancellationToken.None);
            }

            ObserveEach(metrics, start, read);
        }
    }

    private async Task TransformAsync(int worker, CancellationToken cancellationToken)
    {
        var metrics = _metrics.For(TransformerName, worker, "unconnected", _options.Cluster, _options.Identity);
        await foreach (var batch in _toTransformer.Reader.ReadAllAsync(CancellationToken.None))
        {
            if (cancellationToken.IsCancellationRequested)
            {
                // What is still queued is abandoned on shutdown, as in Go.
                break;
            }

            var start = Stopwatch.GetTimestamp();
            var received = batch.Count;
            metrics.Received.Inc(received);
            var kept = 0;
            for (var i = 0; i < received; i++)
            {
                var item = batch[i];
                if (Transform(item, metrics))
                {
                    item.TransformerWorker = worker;
                    batch[kept++] = item;
                }
            }

            batch.RemoveRange(kept, received - kept);
            if (kept > 0)
            {
                await _toEgest.Writer.WriteAsync(batch, CancellationToken.None);
            }

            ObserveEach(metrics, start, received);
        }
    }

    private bool Transform(FederationItem item, StageMetrics metrics)
    {
        // The seen-by hop is added by egest, the first stage that knows the outgoing server.
        if (_direction == FederationDirection.Requests)
        {
            if (FederationTransformer.TryMoveRequestHeaders(item.Headers, _repliesSubject, out var moved, out var targets, out var error))
            {
                item.Headers = moved;
                item.Targets = targets;
                return true;
            }

            var fed = item.Headers.Federation;
            var reason = fed is null ? FederationDropReason.NotFederated
                : fed.Targets is not { Count: > 0 } ? FederationDropReason.NoTargets
                : FederationDropReason.NoReplyTo;
            Drop(metrics, reason, error.Message);
            return false;
        }

        if (FederationTransformer.TryMoveReplyHeaders(item.Headers, out var reply, out var replySubject, out var replyError))
        {
            item.Headers = reply;
            item.Targets = [replySubject];
            return true;
        }

        Drop(metrics, FederationDropReason.IncompleteFederationReply, replyError.Message);
        return false;
    }

    private async Task EgestAsync(int worker, ChoriaConnection connection, int ingestWorkers, CancellationToken cancellationToken)
    {
        var metrics = _metrics.For("nats_egest", worker, EgestSide, _options.Cluster, _options.Identity);
        // Hop texts differ only by the ingest and transformer worker, so each egest worker builds each once.
        var processors = new string?[ingestWorkers * _options.TransformerWorkers];

        // NATS.Net copies a payload before PublishAsync returns, so one buffer per worker serves every message.
        using var relay = new TransportRelayWriter();
        await foreach (var batch in _toEgest.Reader.ReadAllAsync(CancellationToken.None))
        {
            if (cancellationToken.IsCancellationRequested)
            {
                // What is still queued is abandoned on shutdown, as in Go.
                break;
            }

            var start = Stopwatch.GetTimestamp();
            metrics.Received.Inc(batch.Count);
            foreach (var item in batch)
            {
                if (item.Targets.Count == 0)
                {
                    Drop(metrics, FederationDropReason.NoTargets, "message reached egest without targets");
                    continue;
                }

                var processor = processors[(item.IngestWorker * _options.TransformerWorkers) + item.TransformerWorker] ??= Processor(item.IngestWorker, item.TransformerWorker, worker);
                var payload = relay.Write(item.RawData.Span, item.Headers, new SeenByHop(item.IngestServer, processor, connection.ConnectedServerUrl));
                foreach (var target in item.Targets)
                {
                    await PublishAsync(connection, target, payload, metrics, cancellationToken);
                }
            }

            ObserveEach(metrics, start, batch.Count);
        }
    }

    private async Task PublishAsync(ChoriaConnection connection, string target, ReadOnlyMemory<byte> payload, StageMetrics metrics, CancellationToken cancellationToken)
    {
        string failure;
        try
        {
            var result = await connection.PublishAsync(target, payload, null, cancellationToken);
            if (result == PublishResult.Published)
            {
                metrics.Published.Inc();
                return;
            }

            failure = result.ToString();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failure = ex.Message;
        }

        Drop(metrics, FederationDropReason.PublishFailed, $"publishing to {target} via {connection.ConnectedServerUrl} failed: {failure}");
    }

    // docs/federation.md: "<identity> (<ingest station>, <transformer station>, <egest station>)".
    private string Processor(int ingest, int transformer, int egest) =>
        $"{_options.Identity} (choria_nats_ingest:{ingest}, {TransformerName}:{transformer}, choria_nats_egest:{egest})";

    // choria_federation_time is per message: a batch's time is shared evenly by its messages, so _sum stays the
    // stage's total time and _count its message count.
    private static void ObserveEach(StageMetrics metrics, long start, int messages)
    {
        if (messages == 0)
        {
            return;
        }

        var each = Stopwatch.GetElapsedTime(start).TotalSeconds / messages;
        for (var i = 0; i < messages; i++)
        {
            metrics.Time.Observe(each);
        }
    }

    private void Drop(StageMetrics metrics, FederationDropReason reason, string detail)
    {
        metrics.Errors.Inc();
        _drops.Drop((int)reason, detail);
    }

    private async Task RunWorkerAsync(string worker, Func<Task> loop, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Run(loop, cancellationToken);
        }
        catch (Exception ex) when ((ex is OperationCanceledException or ChannelClosedException) && cancellationToken.IsCancellationRequested)
        {
            // Normal shutdown.
        }
        catch (Exception ex)
        {
            LogWorkerFailed(_logger, worker, _direction, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Federation worker {Worker} of the {Direction} chain stopped unexpectedly")]
    private static partial void LogWorkerFailed(ILogger logger, string worker, FederationDirection direction, Exception exception);
}
