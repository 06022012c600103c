using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Choria.Connector;
using Choria.Protocol.Federation;
using Choria.Protocol.Messages;
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
/// A message moving through a chain; <see cref="Seen"/> collects the stations for the seen-by hop.
/// Only the headers are decoded: <see cref="RawData"/> is the received <c>data</c> JSON token,
/// published again verbatim, so the payload is never base64-decoded, re-escaped or copied.
/// </summary>
internal sealed class FederationItem(TransportHeaders headers, ReadOnlyMemory<byte> rawData, List<string> seen)
{
    public TransportHeaders Headers { get; set; } = headers;

    public ReadOnlyMemory<byte> RawData { get; } = rawData;

    public IReadOnlyList<string> Targets { get; set; } = [];

    public List<string> Seen { get; } = seen;
}

/// <summary>One direction of the broker: ingest workers → transformer workers → egest workers (broker.md 4.3).</summary>
internal sealed partial class FederationChain
{
    // The transformer must append a hop, but only egest knows the outgoing server; egest replaces it.
    private static readonly SeenByHop PendingHop = new("", "", "");

    private readonly FederationDirection _direction;
    private readonly FederationBrokerOptions _options;
    private readonly FederationMetrics _metrics;
    private readonly DropTracker _drops;
    private readonly ILogger _logger;
    private readonly Channel<FederationItem> _toTransformer;
    private readonly Channel<FederationItem> _toEgest;

    public FederationChain(FederationDirection direction, FederationBrokerOptions options, FederationMetrics metrics, DropTracker drops, ILogger logger)
    {
        _direction = direction;
        _options = options;
        _metrics = metrics;
        _drops = drops;
        _logger = logger;
        // Synchronous continuations let an idle next stage run on the writer's thread instead of
        // waiting for a thread-pool dispatch per hop, which dominated on a busy machine; the
        // stages, their bounds and the back-pressure stay as broker.md 4.3 describes.
        _toTransformer = Channel.CreateBounded<FederationItem>(new BoundedChannelOptions(options.TransformerQueueCapacity) { FullMode = BoundedChannelFullMode.Wait, AllowSynchronousContinuations = true });
        _toEgest = Channel.CreateBounded<FederationItem>(new BoundedChannelOptions(options.EgestQueueCapacity) { FullMode = BoundedChannelFullMode.Wait, AllowSynchronousContinuations = true });
    }

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
            tasks.Add(RunWorkerAsync($"nats_egest:{worker}", () => EgestAsync(worker, connection, cancellationToken), cancellationToken));
        }

        return tasks;
    }

    private async Task IngestAsync(int worker, ChoriaConnection connection, ChoriaSubscription subscription, CancellationToken cancellationToken)
    {
        var metrics = _metrics.For("nats_ingest", worker, IngestSide, _options.Cluster, _options.Identity);
        var station = $"choria_nats_ingest:{worker}";
        await foreach (var message in subscription.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            var start = Stopwatch.GetTimestamp();
            metrics.Received.Inc();
            if (!TransportMessage.TryParseRaw(message.Data, out var headers, out var rawData, out var error))
            {
                Drop(metrics, FederationDropReason.Malformed, $"{message.Subject}: {error}");
                continue;
            }

            if (headers!.Federation is null)
            {
                Drop(metrics, FederationDropReason.NotFederated, $"{message.Subject}: message has no federation header");
                continue;
            }

            await _toTransformer.Writer.WriteAsync(new FederationItem(headers, rawData, [connection.ConnectedServerUrl, station]), CancellationToken.None).ConfigureAwait(false);
            metrics.Time.Observe(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
    }

    private async Task TransformAsync(int worker, CancellationToken cancellationToken)
    {
        var metrics = _metrics.For(TransformerName, worker, "unconnected", _options.Cluster, _options.Identity);
        var station = $"{TransformerName}:{worker}";
        await foreach (var item in _toTransformer.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            if (cancellationToken.IsCancellationRequested)
            {
                // What is still queued is abandoned on shutdown, as in Go.
                break;
            }

            var start = Stopwatch.GetTimestamp();
            metrics.Received.Inc();
            if (!Transform(item, metrics))
            {
                continue;
            }

            item.Seen.Add(station);
            await _toEgest.Writer.WriteAsync(item, CancellationToken.None).ConfigureAwait(false);
            metrics.Time.Observe(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
    }

    private bool Transform(FederationItem item, StageMetrics metrics)
    {
        // The transformer only reads and rewrites headers, so it is handed a data-less transport.
        var headersOnly = new TransportMessage { Headers = item.Headers };
        if (_direction == FederationDirection.Requests)
        {
            if (FederationTransformer.TryTransformRequest(headersOnly, _options.Cluster, PendingHop, out var request, out var error))
            {
                item.Headers = request!.Message.Headers;
                item.Targets = request.Targets;
                return true;
            }

            var fed = item.Headers.Federation;
            var reason = fed is null ? FederationDropReason.NotFederated
                : fed.Targets is not { Count: > 0 } ? FederationDropReason.NoTargets
                : FederationDropReason.NoReplyTo;
            Drop(metrics, reason, error!.Message);
            return false;
        }

        if (FederationTransformer.TryTransformReply(headersOnly, PendingHop, out var reply, out var replyError))
        {
            item.Headers = reply!.Message.Headers;
            item.Targets = [reply.ReplySubject];
            return true;
        }

        Drop(metrics, FederationDropReason.IncompleteFederationReply, replyError!.Message);
        return false;
    }

    private async Task EgestAsync(int worker, ChoriaConnection connection, CancellationToken cancellationToken)
    {
        var metrics = _metrics.For("nats_egest", worker, EgestSide, _options.Cluster, _options.Identity);
        var station = $"choria_nats_egest:{worker}";

        // NATS.Net copies a payload before PublishAsync returns, so one buffer per worker serves every message.
        var payload = new ArrayBufferWriter<byte>(4096);
        await foreach (var item in _toEgest.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            if (cancellationToken.IsCancellationRequested)
            {
                // What is still queued is abandoned on shutdown, as in Go.
                break;
            }

            var start = Stopwatch.GetTimestamp();
            metrics.Received.Inc();
            if (item.Targets.Count == 0)
            {
                Drop(metrics, FederationDropReason.NoTargets, "message reached egest without targets");
                continue;
            }

            item.Seen.Add(station);
            item.Seen.Add(connection.ConnectedServerUrl);
            payload.ResetWrittenCount();
            TransportMessage.WriteUtf8(item.RawData.Span, WithFinalHop(item), payload);
            foreach (var target in item.Targets)
            {
                await PublishAsync(connection, target, payload.WrittenMemory, metrics, cancellationToken).ConfigureAwait(false);
            }

            if (payload.Capacity > 256 * 1024)
            {
                payload = new ArrayBufferWriter<byte>(4096);
            }

            metrics.Time.Observe(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
    }

    private async Task PublishAsync(ChoriaConnection connection, string target, ReadOnlyMemory<byte> payload, StageMetrics metrics, CancellationToken cancellationToken)
    {
        string failure;
        try
        {
            var result = await connection.PublishAsync(target, payload, null, cancellationToken).ConfigureAwait(false);
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

    private TransportHeaders WithFinalHop(FederationItem item)
    {
        var seen = CollectionsMarshal.AsSpan(item.Seen);
        var hop = new SeenByHop(seen[0], $"{_options.Identity} ({string.Join(", ", seen[1..^1])})", seen[^1]);
        var hops = item.Headers.SeenBy ?? [];
        var kept = hops.Count > 0 && ReferenceEquals(hops[^1], PendingHop) ? hops.Count - 1 : hops.Count;
        var seenBy = new SeenByHop[kept + 1];
        for (var i = 0; i < kept; i++)
        {
            seenBy[i] = hops[i];
        }

        seenBy[kept] = hop;
        return item.Headers with { SeenBy = seenBy };
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
            await Task.Run(loop, cancellationToken).ConfigureAwait(false);
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
