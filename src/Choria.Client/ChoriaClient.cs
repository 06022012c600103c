using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Choria.Config;
using Choria.Connector;
using Choria.Ddl;
using Choria.Framework;
using Choria.Protocol.Federation;
using Choria.Protocol.Filters;
using Choria.Protocol.Subjects;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.Client;

/// <summary>
/// The Choria RPC client: broadcast discovery, ping and SimpleRPC requests (docs/protocol.md;
/// docs/client.md). Requests leave on one connection; replies arrive on that connection or,
/// with <see cref="ChoriaClientOptions.Receivers"/> above one, on that many receiver connections
/// sharing a queue group. Reply subjects use the go-choria HEAD form and are subscribed before
/// anything is published.
/// </summary>
public sealed partial class ChoriaClient : IAsyncDisposable
{
    private readonly ChoriaConnection _connection;
    private readonly IReadOnlyList<ChoriaConnection> _receivers;
    private readonly string? _queueGroup;
    private readonly bool _ownsConnection;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;

    public ChoriaClient(ChoriaConnection connection, RequestFactory requests, ChoriaClientOptions options, ILogger? logger = null, TimeProvider? clock = null, bool ownsConnection = false)
        : this(connection, [connection], null, requests, options, logger, clock, ownsConnection)
    {
    }

    /// <summary>
    /// A client that publishes on <paramref name="publisher"/> and receives on <paramref name="receivers"/>;
    /// with more than one receiver each subscribes in <paramref name="queueGroup"/> so every reply arrives once.
    /// </summary>
    public ChoriaClient(ChoriaConnection publisher, IReadOnlyList<ChoriaConnection> receivers, string? queueGroup, RequestFactory requests, ChoriaClientOptions options, ILogger? logger = null, TimeProvider? clock = null, bool ownsConnection = false)
    {
        if (receivers.Count == 0)
        {
            throw new ArgumentException("at least one receiver connection is needed", nameof(receivers));
        }

        if (receivers.Count > 1 && string.IsNullOrEmpty(queueGroup))
        {
            throw new ArgumentException("several receivers need a queue group, or each reply arrives once per receiver", nameof(queueGroup));
        }

        _connection = publisher;
        _receivers = receivers;
        _queueGroup = receivers.Count > 1 ? queueGroup : null;
        Requests = requests;
        Options = options;
        _logger = logger ?? NullLogger.Instance;
        _clock = clock ?? TimeProvider.System;
        _ownsConnection = ownsConnection;
    }

    public ChoriaClientOptions Options { get; }

    public RequestFactory Requests { get; }

    /// <summary>Client options from a configuration (discovery_timeout, rpclimitmethod, direct addressing, federation).</summary>
    public static ChoriaClientOptions OptionsFromConfig(ChoriaConfig config, IReadOnlyList<string>? federations = null) => new()
    {
        MainCollective = config.MainCollective,
        DiscoveryTimeout = TimeSpan.FromSeconds(Math.Max(1, config.DiscoveryTimeout)),
        DirectAddressingThreshold = config.GetInt("direct_addressing_threshold"),
        DirectAddressing = config.GetBool("direct_addressing"),
        LimitMethod = NodeSelection.ParseMethod(config.RpcLimitMethod),
        Federations = federations ?? ConnectorOptionsFactory.FederationCollectives(config),
    };

    /// <summary>
    /// Connects with the framework's identity. The connect attempt is bounded by <paramref name="connectTimeout"/>
    /// so a CLI run against a dead broker fails instead of retrying forever.
    /// </summary>
    public static async Task<ChoriaClient> ConnectAsync(ChoriaFramework framework, TimeSpan connectTimeout, ChoriaClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ClientSecurityPolicy.EnsureMayRun(framework.Config);
        options ??= OptionsFromConfig(framework.Config);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(connectTimeout);

        // B.4: the prefix names the connections and, with several receivers, is their queue group.
        var prefix = framework.Certname + "-" + Guid.NewGuid().ToString("N");
        var names = options.Receivers <= 1
            ? [prefix]
            : Enumerable.Range(1, options.Receivers).Select(i => string.Create(CultureInfo.InvariantCulture, $"{prefix}-receiver{i}")).Prepend(prefix + "-publisher").ToArray();
        var attempts = names.Select(n => framework.ConnectAsync(n, allowFederation: options.Federations.Count > 0, timeout.Token)).ToArray();
        try
        {
            await Task.WhenAll(attempts);
        }
        catch (Exception e)
        {
            foreach (var attempt in attempts.Where(a => a.IsCompletedSuccessfully))
            {
                await attempt.Result.DisposeAsync();
            }

            if (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new ChoriaClientException(string.Create(CultureInfo.InvariantCulture, $"could not connect to the Choria broker within {connectTimeout.TotalSeconds:0.###}s"));
            }

            throw;
        }

        var connections = attempts.Select(a => a.Result).ToArray();
        var requests = new RequestFactory(framework.Identity, framework.CallerId, framework.Config.InsecureMode ? null : framework.Security, framework.Config.InsecureMode, framework.Config.Ttl);
        var receivers = connections.Length == 1 ? connections : connections[1..];
        return new ChoriaClient(connections[0], receivers, prefix, requests, options, framework.Loggers.CreateLogger<ChoriaClient>(), ownsConnection: true);
    }

    /// <summary>Broadcast discovery with the <c>discovery</c> agent (docs/protocol.md), strict reply checks, de-duplicated.</summary>
    public async Task<DiscoveryResult> DiscoverAsync(DiscoveryOptions options, CancellationToken cancellationToken = default)
    {
        var collective = options.Collective ?? Options.MainCollective;
        var timeout = options.Timeout ?? Options.DiscoveryTimeout;
        var request = Requests.Build("discovery", RequestFactory.PingPayload, collective, options.Filter, _connection.ConnectedServerUrl);
        var requestId = Encoding.UTF8.GetBytes(request.RequestId);
        var nodes = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var rejected = 0;
        var started = _clock.GetTimestamp();

        await using var subscription = await SubscribeAsync(request.ReplySubject, cancellationToken);
        await PublishAsync(request, "discovery", collective, null, cancellationToken);

        using var overall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        overall.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var wait = subscription.WaitToReadAsync(overall.Token).AsTask();
                if (options.Window is { } window && nodes.Count > 0)
                {
                    if (await Task.WhenAny(wait, Task.Delay(window, _clock, overall.Token)) != wait)
                    {
                        break;
                    }
                }

                if (!await wait)
                {
                    break;
                }

                while (subscription.TryRead(out var message))
                {
                    var rejection = ReplyDecoder.TryDecode(message.Data.Span, requestId, out var reply);
                    if (rejection != ReplyRejection.None)
                    {
                        rejected++;
                        LogRejected(_logger, rejection);
                        continue;
                    }

                    ReplyDecoder.Return(reply.Body);
                    if (seen.Add(reply.Sender))
                    {
                        nodes.Add(reply.Sender);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }

        return new DiscoveryResult(nodes, _clock.GetElapsedTime(started), rejected);
    }

    /// <summary>
    /// <c>choria ping</c>: counts every message on the reply subject by transport <c>mc_sender</c> without
    /// decoding further (docs/client.md), until <paramref name="timeout"/> or <paramref name="expect"/> replies.
    /// </summary>
    public async Task<IReadOnlyList<PingReply>> PingAsync(string? collective, Filter filter, TimeSpan timeout, int expect = 0, Action<PingReply>? onReply = null, CancellationToken cancellationToken = default)
    {
        collective ??= Options.MainCollective;
        var started = _clock.GetTimestamp();
        var request = Requests.Build("discovery", RequestFactory.PingPayload, collective, filter, _connection.ConnectedServerUrl);
        var replies = new List<PingReply>();
        await using var subscription = await SubscribeAsync(request.ReplySubject, cancellationToken);
        await PublishAsync(request, "discovery", collective, null, cancellationToken);

        using var overall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        overall.CancelAfter(timeout);
        try
        {
            while (await subscription.WaitToReadAsync(overall.Token))
            {
                while (subscription.TryRead(out var message))
                {
                    if (message.Data.IsEmpty)
                    {
                        continue;
                    }

                    var reply = new PingReply(ReplyDecoder.ReadSender(message.Data.Span) ?? "unknown", _clock.GetElapsedTime(started));
                    replies.Add(reply);
                    onReply?.Invoke(reply);
                    if (expect > 0 && replies.Count >= expect)
                    {
                        return replies;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }

        return replies;
    }

    /// <summary>
    /// Validates the request against the DDL (no network I/O when invalid), discovers unless nodes are
    /// given, applies limit and batching, then sends direct requests (or one broadcast above the
    /// direct addressing threshold) and collects replies.
    /// </summary>
    /// <exception cref="ChoriaClientException">Invalid action or inputs, bad limit, or nothing discovered.</exception>
    public async Task<RpcResult> RequestAsync(RpcOptions options, CancellationToken cancellationToken = default)
    {
        var action = Validate(options);
        var collective = options.Collective ?? Options.MainCollective;
        var filter = WithAgentFilter(options.Filter, options.Agent);
        var startTime = _clock.GetUtcNow();

        var discoveryStarted = _clock.GetTimestamp();
        // A broadcast reaches whatever the filter matches, so it is only safe when the targets ARE that set.
        var targetsAreWholeDiscovery = options.Nodes is null || options.NodesFromDiscovery;
        var nodes = options.Nodes ?? (await DiscoverAsync(
            new DiscoveryOptions { Collective = collective, Filter = filter, Timeout = options.DiscoveryTimeout, Window = options.DiscoveryWindow },
            cancellationToken)).Nodes;
        var discoveryTime = options.Nodes is null ? _clock.GetElapsedTime(discoveryStarted) : options.DiscoveryTime;

        if (options.Limit is { } limit)
        {
            if (!NodeSelection.TryParseLimit(limit, out var count, out var percent, out var error))
            {
                throw new ChoriaClientException(error);
            }

            var limited = NodeSelection.ApplyLimit(nodes, count, percent, options.LimitMethod ?? Options.LimitMethod, options.LimitSeed);
            targetsAreWholeDiscovery &= limited.Count == nodes.Count;
            nodes = limited;
        }

        options.OnDiscovered?.Invoke(nodes.Count, discoveryTime);
        if (nodes.Count == 0)
        {
            throw new ChoriaClientException("did not discover any nodes");
        }

        var agentTimeout = TimeSpan.FromSeconds(options.Ddl?.Metadata.Timeout is > 0 and var t ? t : 10);
        var timeout = options.Timeout ?? (options.DiscoveryTimeout ?? Options.DiscoveryTimeout) + agentTimeout;
        var payload = Requests.RpcPayload(options.Agent, options.Action, options.Data);
        var batches = NodeSelection.Batches(nodes, options.BatchSize);
        var direct = UseDirectAddressing(Options, nodes.Count, options.BatchSize, targetsAreWholeDiscovery);

        // Direct requests keep the whole filter, as the real client in wire captures 17 and 19 does:
        // a node listed by --nodes that no longer matches the filter then declines instead of running.
        var request = Requests.Build(options.Agent, payload, collective, filter, _connection.ConnectedServerUrl);
        var aggregator = new Aggregator(action);
        var collector = new ReplyCollector(request.RequestId, nodes, aggregator, options.OnReply, _clock);

        var requestStarted = _clock.GetTimestamp();
        var publishTime = TimeSpan.Zero;
        await using (var subscription = await SubscribeAsync(request.ReplySubject, cancellationToken))
        {
            using var receiving = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var loop = Task.Run(() => collector.RunAsync(subscription, receiving.Token), CancellationToken.None);
            var target = 0;
            for (var i = 0; i < batches.Count; i++)
            {
                if (i > 0 && options.BatchSleep > TimeSpan.Zero)
                {
                    await Task.Delay(options.BatchSleep, _clock, cancellationToken);
                }

                var batch = batches[i];
                var publishStarted = _clock.GetTimestamp();
                await PublishAsync(request, options.Agent, collective, direct ? batch : null, cancellationToken);
                publishTime += _clock.GetElapsedTime(publishStarted);
                target += batch.Count;
                await collector.WaitForAsync(target, timeout, cancellationToken);
            }

            await receiving.CancelAsync();
            await loop;
        }

        var requestTime = _clock.GetElapsedTime(requestStarted);
        var noResponses = nodes.Where(n => !collector.Responded.Contains(n)).Order(StringComparer.Ordinal).ToList();
        var stats = new RpcStats
        {
            RequestId = request.RequestId,
            Discovered = nodes.Count,
            Responded = collector.Replies.Count,
            Ok = collector.Ok,
            Failed = collector.Failed,
            NoResponses = noResponses,
            UnexpectedResponses = [.. collector.Unexpected.Order(StringComparer.Ordinal)],
            StartTime = startTime,
            DiscoveryTime = discoveryTime,
            PublishTime = publishTime,
            RequestTime = requestTime,
            Rejected = collector.Rejected,
        };
        return new RpcResult(options.Agent, options.Action, collector.Replies, stats, aggregator.Results());
    }

    /// <summary>The DDL checks of B.5 step 2, with no I/O; null action when there is no DDL.</summary>
    public static ActionDdl? Validate(RpcOptions options)
    {
        if (options.Ddl is not { } ddl)
        {
            return null;
        }

        var action = ddl.FindAction(options.Action)
            ?? throw new ChoriaClientException($"invalid action {options.Action} for agent {options.Agent}, valid actions are: {string.Join(", ", ddl.ActionNames())}");
        using var doc = JsonDocument.Parse(options.Data?.ToJsonString() ?? "{}");
        var result = InputValidator.ValidateRequestData(action, doc.RootElement);
        if (!result.IsValid)
        {
            throw new ChoriaClientException($"invalid input: {result.Error}");
        }

        return action;
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsConnection)
        {
            foreach (var connection in _receivers.Prepend(_connection).Distinct())
            {
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// B.5 step 5 sends direct requests; one broadcast replaces them only when it cannot reach more than
    /// the targets: no batching (a broadcast would reach every batch at once) and the targets are the
    /// complete discovery result for the request filter. A <c>--limit</c> that dropped nodes or an
    /// explicit node list makes the targets a subset of what the filter matches, so those stay direct
    /// whatever <c>direct_addressing_threshold</c> says.
    /// </summary>
    public static bool UseDirectAddressing(ChoriaClientOptions options, int targets, int batchSize, bool targetsAreWholeDiscovery) =>
        batchSize > 0 || !targetsAreWholeDiscovery || (options.DirectAddressing && targets <= options.DirectAddressingThreshold);

    /// <summary>The filter plus the agent filter every RPC request carries (B.3).</summary>
    public static Filter WithAgentFilter(Filter filter, string agent) =>
        filter.Agent.Contains(agent, StringComparer.Ordinal) ? filter : filter with { Agent = [.. filter.Agent, agent] };

    private async Task<ReplyInbox> SubscribeAsync(string subject, CancellationToken cancellationToken)
    {
        var subscriptions = new List<ChoriaSubscription>(_receivers.Count);
        try
        {
            foreach (var receiver in _receivers)
            {
                subscriptions.Add(await receiver.SubscribeAsync(subject, _queueGroup, Options.ReplyBufferCapacity, BoundedChannelFullMode.Wait, cancellationToken));
            }

            // The publisher's broker must know of every receiver's interest before the request leaves.
            if (_receivers.Count > 1 || !ReferenceEquals(_receivers[0], _connection))
            {
                foreach (var receiver in _receivers)
                {
                    await receiver.FlushAsync(cancellationToken);
                }
            }
        }
        catch
        {
            foreach (var subscription in subscriptions)
            {
                await subscription.DisposeAsync();
            }

            throw;
        }

        return new ReplyInbox(subscriptions, Options.ReplyBufferCapacity);
    }

    /// <summary>Broadcast when <paramref name="nodes"/> is null, else one message per node; through federation when configured.</summary>
    private async Task PublishAsync(OutgoingRequest request, string agent, string collective, IReadOnlyList<string>? nodes, CancellationToken cancellationToken)
    {
        if (Options.Federations.Count > 0)
        {
            var publications = nodes is null
                ? FederationPublisher.Broadcast(request.Transport, request.RequestId, collective, agent, Options.Federations)
                : FederationPublisher.Direct(request.Transport, request.RequestId, collective, nodes, Options.Federations);
            foreach (var publication in publications)
            {
                await Publish(publication.Subject, publication.Message.ToUtf8Bytes(), cancellationToken);
            }
        }
        else if (nodes is null)
        {
            await Publish(ChoriaSubjects.BroadcastAgent(collective, agent), request.Bytes, cancellationToken);
        }
        else
        {
            foreach (var node in nodes)
            {
                await Publish(ChoriaSubjects.Node(collective, node), request.Bytes, cancellationToken);
            }
        }

        await _connection.FlushAsync(cancellationToken);
    }

    private async Task Publish(string subject, byte[] bytes, CancellationToken cancellationToken)
    {
        // No NATS-level reply subject (as Go 2020): servers use headers.reply-to, and with a NATS reply the
        // broker answers "503 no responders" on our reply subject whenever nobody subscribes to the target.
        var result = await _connection.PublishAsync(subject, bytes, replyTo: null, cancellationToken);
        if (result != PublishResult.Published)
        {
            throw new ChoriaClientException($"could not publish to {subject}: {result}");
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped a reply: {Reason}")]
    private static partial void LogRejected(ILogger logger, ReplyRejection reason);
}
