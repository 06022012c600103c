using System.Threading.Channels;
using Choria.Framework.Logging;
using Choria.Protocol.Filters;
using Choria.Protocol.Messages;
using Choria.Security;
using Choria.Server.Agents;
using Microsoft.Extensions.Logging;

namespace Choria.Server.Runtime;

/// <summary>What happened to one message.</summary>
internal sealed record ProcessResult(PipelineDrop? Drop, string? RequestId, bool Replied)
{
    public static ProcessResult Dropped(PipelineDrop drop, string? requestId = null) => new(drop, requestId, false);
}

/// <summary>Inputs of <see cref="RequestProcessor"/> that are not plain options.</summary>
internal sealed record RequestProcessorDependencies
{
    public required ISecurityProvider Security { get; init; }

    public required AgentDispatcher Dispatcher { get; init; }

    public required IReplyPublisher Publisher { get; init; }

    /// <summary>Node data for a request's filter, read per request (facts and classes may change on disk).</summary>
    public required Func<Filter, NodeData> Node { get; init; }

    public FilterContext FilterContext { get; init; } = FilterContext.Default;

    public ServerCounters Counters { get; init; } = new();

    public TimeProvider Clock { get; init; } = TimeProvider.System;
}

/// <summary>
/// The request processor of docs/server.md: a bounded intake queue fed by the subscriptions and
/// <see cref="ServerOptions.Concurrency"/> workers that verify, filter, dispatch and reply. Every rejected
/// message is counted in <see cref="ServerCounters"/> and logged once with its <see cref="DropReason"/>.
/// </summary>
internal sealed partial class RequestProcessor
{
    private readonly ServerOptions _options;
    private readonly RequestProcessorDependencies _deps;
    private readonly ILogger _logger;
    private readonly Channel<ReadOnlyMemory<byte>> _queue;

    /// <summary>A flood overflows the queue tens of thousands of times a second: one line per interval says so, the metric counts each.</summary>
    private readonly LogThrottle _queueFullLog;

    public RequestProcessor(ServerOptions options, RequestProcessorDependencies dependencies, ILogger<RequestProcessor> logger)
    {
        _options = options;
        _deps = dependencies;
        _logger = logger;
        _queueFullLog = new LogThrottle(1, TimeSpan.FromSeconds(10), dependencies.Clock);
        _queue = Channel.CreateBounded<ReadOnlyMemory<byte>>(new BoundedChannelOptions(Math.Max(1, options.QueueSize))
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });
    }

    public ServerCounters Counters => _deps.Counters;

    /// <summary>Messages waiting for a worker.</summary>
    public int Pending => _queue.Reader.Count;

    /// <summary>Hands a received message to the workers; a full queue drops it (counted, logged).</summary>
    public bool Enqueue(ReadOnlyMemory<byte> payload, string subject)
    {
        _deps.Counters.IncrementTotal();
        if (_queue.Writer.TryWrite(payload))
        {
            return true;
        }

        _deps.Counters.Drop(DropReason.QueueFull);
        if (_queueFullLog.ShouldLog(0, out var unlogged))
        {
            LogQueueFull(subject, _options.QueueSize, unlogged, _queueFullLog.Interval.TotalSeconds);
        }

        return false;
    }

    /// <summary>Runs the workers until <paramref name="cancellationToken"/> is cancelled or <see cref="Complete"/> was called and the queue drained.</summary>
    public Task RunAsync(CancellationToken cancellationToken)
    {
        var workers = new Task[Math.Max(1, _options.Concurrency)];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = Task.Run(() => WorkAsync(cancellationToken), CancellationToken.None);
        }

        return Task.WhenAll(workers);
    }

    /// <summary>No more messages will be enqueued.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var payload in _queue.Reader.ReadAllAsync(cancellationToken))
            {
                await ProcessAsync(payload, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutdown: whatever is still queued is abandoned, as Go abandons its channel.
        }
    }

    /// <summary>
    /// The whole pipeline for one message with every counter except <c>total</c> (counted by <see cref="Enqueue"/>).
    /// Never throws: an unexpected failure drops just this message (<see cref="DropReason.InternalError"/>) so the
    /// worker that ran it lives on; otherwise every such message would permanently cost one worker.
    /// </summary>
    public async Task<ProcessResult> ProcessAsync(ReadOnlyMemory<byte> payload, CancellationToken shutdown)
    {
        try
        {
            return await ProcessCoreAsync(payload, shutdown);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _deps.Counters.Drop(DropReason.InternalError);
            LogInternalError(e, e.GetType().Name, e.Message);
            return ProcessResult.Dropped(new PipelineDrop(DropReason.InternalError, e.Message));
        }
    }

    private async Task<ProcessResult> ProcessCoreAsync(ReadOnlyMemory<byte> payload, CancellationToken shutdown)
    {
        if (!RequestPipeline.TryDecode(payload.Span, out var received, out var drop))
        {
            return Reject(drop!, null);
        }

        var request = received!.Request;
        drop = RequestPipeline.CheckReplyTo(received.Headers)
            ?? RequestPipeline.Verify(received, _deps.Security, _options.Insecure);
        if (drop is not null)
        {
            return Reject(drop, received);
        }

        var replyHeaders = RequestPipeline.ReplyHeaders(received.Headers, _options.Identity);

        drop = RequestPipeline.Filter(request, _deps.Node(request.Envelope.Filter), _deps.FilterContext);
        if (drop is not null)
        {
            return Reject(drop, received);
        }

        _deps.Counters.IncrementPassed();

        drop = RequestPipeline.CheckCollective(request, _options.Collectives)
            ?? RequestPipeline.CheckTtl(request, _deps.Clock);
        if (drop is not null)
        {
            return Reject(drop, received);
        }

        _deps.Counters.MarkValidated(_deps.Clock.GetUtcNow().ToUnixTimeSeconds());
        var agentRequest = RequestPipeline.ToAgentRequest(request);

        var (reply, dispatchDrop) = await _deps.Dispatcher.DispatchAsync(agentRequest, shutdown);
        if (reply is null)
        {
            return Reject(dispatchDrop ?? new(DropReason.AgentNoReply, "the agent did not reply"), received);
        }

        var replyTo = received.Headers.ReplyTo;
        if (string.IsNullOrEmpty(replyTo))
        {
            return Reject(new(DropReason.NoReplyTo, $"do not know how to reply, no reply-to header has been set on message {request.Envelope.RequestId}"), received);
        }

        var publisher = _deps.Publisher;
        var bytes = RequestPipeline.BuildReply(request, replyHeaders, reply, _options.Identity, publisher.ConnectedServer, _deps.Clock);
        var published = await publisher.PublishAsync(replyTo, bytes, CancellationToken.None);
        _deps.Counters.IncrementReplies();
        if (!published)
        {
            LogPublishFailed(request.Envelope.RequestId, replyTo);
        }

        return new ProcessResult(null, request.Envelope.RequestId, published);
    }

    private ProcessResult Reject(PipelineDrop drop, DecodedRequest? received)
    {
        var counters = _deps.Counters;
        switch (drop.Reason)
        {
            case DropReason.TransportInvalid or DropReason.SecureRequestInvalid or DropReason.RequestInvalid
                or DropReason.SecurityFailed or DropReason.WrongCollective:
                counters.IncrementUnvalidated();
                break;
            case DropReason.Filtered:
                counters.IncrementFiltered();
                break;
            case DropReason.TtlExpired:
                counters.IncrementTtlExpired();
                break;
        }

        counters.Drop(drop.Reason);
        var e = received?.Request.Envelope;
        if (drop.Reason is DropReason.Filtered or DropReason.AgentNoReply or DropReason.ShuttingDown)
        {
            LogFiltered(e?.RequestId ?? "", e?.Agent ?? "", e?.CallerId ?? "", drop.Message);
        }
        else if (drop.Exception is { } exception)
        {
            LogDroppedFailure(exception, drop.Reason, e?.RequestId ?? "unknown", e?.Agent ?? "unknown", e?.CallerId ?? "unknown", drop.Message);
        }
        else
        {
            LogDropped(drop.Reason, e?.RequestId ?? "unknown", e?.Agent ?? "unknown", e?.CallerId ?? "unknown", drop.Message);
        }

        return ProcessResult.Dropped(drop, e?.RequestId);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropping request {RequestId} for agent {Agent} from {Caller} ({Reason}): {Detail}")]
    private partial void LogDropped(DropReason reason, string requestId, string agent, string caller, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dropping request {RequestId} for agent {Agent} from {Caller} ({Reason}): {Detail}")]
    private partial void LogDroppedFailure(Exception exception, DropReason reason, string requestId, string agent, string caller, string detail);

    // Expected outcomes (filter mismatch, agents that stay silent) are routine: debug only.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Not replying to request {RequestId} for agent {Agent} from {Caller}: {Detail}")]
    private partial void LogFiltered(string requestId, string agent, string caller, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dropping message received on {Subject} (QueueFull): the intake queue of {Size} requests is full; {Unlogged} more were dropped since the last such line (logged at most every {Interval}s, choria_server_dropped_total counts each)")]
    private partial void LogQueueFull(string subject, int size, long unlogged, double interval);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dropping message (InternalError): processing failed unexpectedly with {Type}: {Reason}")]
    private partial void LogInternalError(Exception exception, string type, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not publish the reply to request {RequestId} to {ReplyTo}")]
    private partial void LogPublishFailed(string requestId, string replyTo);
}
