using System.Text.Json;
using Choria.Ddl;
using Choria.Protocol.Filters;
using Choria.Security;

namespace Choria.Client;

public sealed partial class ChoriaClient
{
    /// <summary>
    /// The checks that need no network: the action exists in the DDL, the inputs are valid for it and the
    /// limit parses. <see cref="RequestAsync(RpcOptions, CancellationToken)"/> runs them itself; call this
    /// first to report mistakes before connecting, then pass the result to
    /// <see cref="RequestAsync(PreparedRpc, CancellationToken)"/>.
    /// </summary>
    /// <exception cref="ChoriaClientException">Unknown action, invalid inputs or a bad limit.</exception>
    public static PreparedRpc Prepare(RpcOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        NodeLimit? limit = null;
        if (options.Limit is { } text)
        {
            if (!NodeSelection.TryParseLimit(text, out var count, out var percent, out var error))
            {
                throw new ChoriaClientException(error);
            }

            limit = new NodeLimit(count, percent);
        }

        if (options.Ddl is not { } ddl)
        {
            return new PreparedRpc(options, null, limit);
        }

        var action = ddl.FindAction(options.Action)
            ?? throw new ChoriaClientException($"invalid action {options.Action} for agent {options.Agent}, valid actions are: {string.Join(", ", ddl.ActionNames())}");
        using var doc = JsonDocument.Parse(options.Data?.ToJsonString() ?? "{}");
        var result = InputValidator.ValidateRequestData(action, doc.RootElement);
        if (!result.IsValid)
        {
            throw new ChoriaClientException($"invalid input: {result.Error}");
        }

        return new PreparedRpc(options, action, limit);
    }

    /// <summary>
    /// Signs the request of <paramref name="prepared"/> before there is a connection, when its targets are known
    /// (<see cref="RpcOptions.Nodes"/>): a command that connects meanwhile sends it as soon as the connection is up
    /// instead of then loading the key and signing. A request that discovers its targets is signed after discovery, as
    /// before. A key that cannot be loaded is left to the request itself, so it fails where it always did.
    /// </summary>
    /// <param name="requests">The signer the client will have (<see cref="RequestsFor"/>).</param>
    /// <param name="options">The client's options (for the main collective).</param>
    public static PreparedRpc SignAhead(PreparedRpc prepared, RequestFactory requests, ChoriaClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(options);
        var o = prepared.Options;
        if (o.Nodes is null)
        {
            return prepared;
        }

        try
        {
            var payload = requests.RpcPayload(o.Agent, o.Action, o.Data);
            return prepared with { SignedAhead = requests.Sign(o.Agent, payload, o.Collective ?? options.MainCollective, WithAgentFilter(o.Filter, o.Agent)) };
        }
        catch (SecurityConfigurationException)
        {
            return prepared;
        }
    }

    /// <summary><see cref="Prepare"/>, then <see cref="RequestAsync(PreparedRpc, CancellationToken)"/>.</summary>
    /// <exception cref="ChoriaClientException">Invalid action or inputs, bad limit, or nothing discovered.</exception>
    public Task<RpcResult> RequestAsync(RpcOptions options, CancellationToken cancellationToken = default) =>
        RequestAsync(Prepare(options), cancellationToken);

    /// <summary>
    /// Discovers unless nodes are given, applies the limit and batching, then sends direct requests (or one
    /// broadcast above the direct addressing threshold) and collects replies. Progress goes to the callbacks
    /// of <see cref="RpcOptions"/>.
    /// </summary>
    /// <exception cref="ChoriaClientException">Nothing discovered, or a publish failed.</exception>
    public async Task<RpcResult> RequestAsync(PreparedRpc prepared, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        var options = prepared.Options;
        var collective = options.Collective ?? Options.MainCollective;
        var filter = WithAgentFilter(options.Filter, options.Agent);
        var startTime = _clock.GetUtcNow();

        // A broadcast reaches whatever the filter matches, so it is only safe when the targets ARE that set.
        var targetsAreWholeDiscovery = options.Nodes is null;
        var nodes = options.Nodes;
        var discoveryTime = TimeSpan.Zero;
        if (nodes is null)
        {
            options.OnDiscovering?.Invoke();
            var discovered = await DiscoverAsync(
                new DiscoveryOptions { Collective = collective, Filter = filter, Timeout = options.DiscoveryTimeout, Window = options.DiscoveryWindow },
                cancellationToken).ConfigureAwait(false);
            nodes = discovered.Nodes;
            discoveryTime = discovered.Elapsed;
            options.OnDiscovered?.Invoke(nodes.Count, discoveryTime);
        }

        if (prepared.Limit is { } limit)
        {
            var limited = NodeSelection.ApplyLimit(nodes, limit.Count, limit.Percent, options.LimitMethod ?? Options.LimitMethod, options.LimitSeed);
            targetsAreWholeDiscovery &= limited.Count == nodes.Count;
            nodes = limited;
        }

        if (nodes.Count == 0)
        {
            throw new ChoriaClientException("did not discover any nodes");
        }

        options.OnTargets?.Invoke(nodes.Count);
        var agentTimeout = TimeSpan.FromSeconds(options.Ddl?.Metadata.Timeout is > 0 and var t ? t : 10);
        // Plus the time the server may still answer after the agent's timeout (an external agent killed then).
        var timeout = options.Timeout ?? (options.DiscoveryTimeout ?? Options.DiscoveryTimeout) + agentTimeout + (options.Ddl?.Metadata.ReplyGrace ?? TimeSpan.Zero);
        var batches = NodeSelection.Batches(nodes, options.BatchSize);
        var direct = UseDirectAddressing(Options, nodes.Count, options.BatchSize, targetsAreWholeDiscovery);

        // Direct requests keep the whole filter, as the real client in wire captures 17 and 19 does:
        // a node listed by --nodes that no longer matches the filter then declines instead of running.
        var request = prepared.SignedAhead is { } ahead && SignedFor(ahead, collective)
            ? Requests.Address(ahead, _connection.ConnectedServerUrl)
            : Requests.Build(options.Agent, Requests.RpcPayload(options.Agent, options.Action, options.Data), collective, filter, _connection.ConnectedServerUrl);
        var aggregator = new Aggregator(prepared.Action);
        var collector = new ReplyCollector(request.RequestId, nodes, aggregator, options.OnReply, _clock);

        var requestStarted = _clock.GetTimestamp();
        var disconnectsBefore = Disconnects();
        var publishTime = TimeSpan.Zero;
        var subscription = await SubscribeAsync(request.ReplySubject, cancellationToken).ConfigureAwait(false);
        await using (subscription.ConfigureAwait(false))
        {
            using var receiving = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var loop = Task.Run(() => collector.RunAsync(subscription, receiving.Token), CancellationToken.None);
            var target = 0;
            for (var i = 0; i < batches.Count; i++)
            {
                if (i > 0 && options.BatchSleep > TimeSpan.Zero)
                {
                    await Task.Delay(options.BatchSleep, _clock, cancellationToken).ConfigureAwait(false);
                }

                var batch = batches[i];
                var publishStarted = _clock.GetTimestamp();
                await PublishAsync(request, options.Agent, collective, direct ? batch : null, cancellationToken).ConfigureAwait(false);
                publishTime += _clock.GetElapsedTime(publishStarted);
                target += batch.Count;
                await collector.WaitForAsync(target, timeout, cancellationToken).ConfigureAwait(false);
            }

            await receiving.CancelAsync().ConfigureAwait(false);
            await loop.ConfigureAwait(false);
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
            Disconnects = Disconnects() - disconnectsBefore,
        };
        return new RpcResult(options.Agent, options.Action, collector.Replies, stats, aggregator.Results());
    }

    /// <summary>
    /// Requests go direct, one message per target, as go-choria does; one broadcast replaces them only when it cannot reach more than
    /// the targets: no batching (a broadcast would reach every batch at once) and the targets are the
    /// complete discovery result for the request filter. A <c>--limit</c> that dropped nodes or an
    /// explicit node list makes the targets a subset of what the filter matches, so those stay direct
    /// whatever <c>direct_addressing_threshold</c> says.
    /// </summary>
    public static bool UseDirectAddressing(ChoriaClientOptions options, int targets, int batchSize, bool targetsAreWholeDiscovery) =>
        batchSize > 0 || !targetsAreWholeDiscovery || (options.DirectAddressing && targets <= options.DirectAddressingThreshold);

    /// <summary>A request signed ahead is used only when this client would have signed the same: its caller and collective.</summary>
    private bool SignedFor(PresignedRequest request, string collective) =>
        request.Request.Envelope.CallerId == Requests.CallerId && request.Request.Envelope.SenderId == Requests.SenderId && request.Request.Envelope.Collective == collective;

    /// <summary>The filter plus the agent filter every RPC request carries, as go-choria adds it.</summary>
    public static Filter WithAgentFilter(Filter filter, string agent) =>
        filter.Agent.Contains(agent, StringComparer.Ordinal) ? filter : filter with { Agent = [.. filter.Agent, agent] };
}
