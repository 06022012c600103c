using System.Diagnostics;
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

/// <summary>A message moving through a chain; <see cref="Seen"/> collects the stations for the seen-by hop.</summary>
internal sealed class FederationItem(TransportMessage message, List<string> seen)
{
    public TransportMessage Message { get; set; } = message;

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
        _toTransformer = Channel.CreateBounded<FederationItem>(new BoundedChannelOptions(options.TransformerQueueCapacity) { FullMode = BoundedChannelFullMode.Wait });
        _toEgest = Channel.CreateBounded<FederationItem>(new BoundedChannelOptions(options.EgestQueueCapacity) { FullMode = BoundedChannelFullMode.Wait });
    }

    private string IngestSide => _direction == FederationDirection.Requests ? "federation" : "collective";

    private string EgestSide => _direction == FederationDirection.Requests ? "collective" : "federation";

    private string TransformerName => _direction == FederationDirection.Requests ? "choria_request_transformer" : "choria_reply_transformer";

    public List<Task> Start(IReadOnlyList<(ChoriaConnection Connection, ChoriaSubscription Subscription)> ingest, IReadOnlyList<ChoriaConnection> egest, CancellationToken cancellationToken)
    {
        var tasks = new List<Task>();
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
            if (!TransportMessage.TryParse(message.Data.Span, out var transport, out var error))
            {
                Drop(metrics, FederationDropReason.Malformed, $"{message.Subject}: {error}");
                continue;
            }

            if (transport!.Headers.Federation is null)
            {
                Drop(metrics, FederationDropReason.NotFederated, $"{message.Subject}: message has no federation header");
                continue;
            }

            await _toTransformer.Writer.WriteAsync(new FederationItem(transport, [connection.ConnectedServerUrl, station]), cancellationToken).ConfigureAwait(false);
            metrics.Time.Observe(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
    }

    private async Task TransformAsync(int worker, CancellationToken cancellationToken)
    {
        var metrics = _metrics.For(TransformerName, worker, "unconnected", _options.Cluster, _options.Identity);
        var station = $"{TransformerName}:{worker}";
        await foreach (var item in _toTransformer.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            var start = Stopwatch.GetTimestamp();
            metrics.Received.Inc();
            if (!Transform(item, metrics))
            {
                continue;
            }

            item.Seen.Add(station);
            await _toEgest.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
            metrics.Time.Observe(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
    }

    private bool Transform(FederationItem item, StageMetrics metrics)
    {
        if (_direction == FederationDirection.Requests)
        {
            if (FederationTransformer.TryTransformRequest(item.Message, _options.Cluster, PendingHop, out var request, out var error))
            {
                item.Message = request!.Message;
                item.Targets = request.Targets;
                return true;
            }

            var fed = item.Message.Headers.Federation;
            var reason = fed is null ? FederationDropReason.NotFederated
                : fed.Targets is not { Count: > 0 } ? FederationDropReason.NoTargets
                : FederationDropReason.NoReplyTo;
            Drop(metrics, reason, error!.Message);
            return false;
        }

        if (FederationTransformer.TryTransformReply(item.Message, PendingHop, out var reply, out var replyError))
        {
            item.Message = reply!.Message;
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
        await foreach (var item in _toEgest.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            var start = Stopwatch.GetTimestamp();
            metrics.Received.Inc();
            if (item.Targets.Count == 0)
            {
                Drop(metrics, FederationDropReason.NoTargets, "message reached egest without targets");
                continue;
            }

            item.Seen.Add(station);
            item.Seen.Add(connection.ConnectedServerUrl);
            var payload = WithFinalHop(item).ToUtf8Bytes();
            foreach (var target in item.Targets)
            {
                await PublishAsync(connection, target, payload, metrics, cancellationToken).ConfigureAwait(false);
            }

            metrics.Time.Observe(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
    }

    private async Task PublishAsync(ChoriaConnection connection, string target, byte[] payload, StageMetrics metrics, CancellationToken cancellationToken)
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

    private TransportMessage WithFinalHop(FederationItem item)
    {
        var seen = item.Seen;
        var hop = new SeenByHop(seen[0], $"{_options.Identity} ({string.Join(", ", seen.Skip(1).Take(seen.Count - 2))})", seen[^1]);
        var hops = item.Message.Headers.SeenBy ?? [];
        var kept = hops.Count > 0 && ReferenceEquals(hops[^1], PendingHop) ? hops.Take(hops.Count - 1) : hops;
        return item.Message with { Headers = item.Message.Headers with { SeenBy = [.. kept, hop] } };
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
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
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
