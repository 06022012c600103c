using System.Globalization;
using System.Threading.Channels;
using Choria.Config;
using Choria.Connector;
using Choria.Framework;
using Choria.Protocol.Federation;
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

        // The prefix names the connections and, with several receivers, is their queue group.
        var prefix = framework.Certname + "-" + Guid.NewGuid().ToString("N");
        var names = options.Receivers <= 1
            ? [prefix]
            : Enumerable.Range(1, options.Receivers).Select(i => string.Create(CultureInfo.InvariantCulture, $"{prefix}-receiver{i}")).Prepend(prefix + "-publisher").ToArray();
        Func<ConnectorOptions, ConnectorOptions>? tune = options.ShortLived ? o => o with { PingInterval = TimeSpan.Zero } : null;
        var attempts = names.Select(n => framework.ConnectAsync(n, allowFederation: options.Federations.Count > 0, timeout.Token, tune)).ToArray();
        try
        {
            await Task.WhenAll(attempts).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            foreach (var attempt in attempts.Where(a => a.IsCompletedSuccessfully))
            {
                await attempt.Result.DisposeAsync().ConfigureAwait(false);
            }

            if (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new ChoriaClientException(string.Create(CultureInfo.InvariantCulture, $"could not connect to the Choria broker within {connectTimeout.TotalSeconds:0.###}s"));
            }

            throw;
        }

        var connections = attempts.Select(a => a.Result).ToArray();
        var requests = RequestsFor(framework);
        var receivers = connections.Length == 1 ? connections : connections[1..];
        return new ChoriaClient(connections[0], receivers, prefix, requests, options, framework.Loggers.CreateLogger<ChoriaClient>(), ownsConnection: true);
    }

    /// <summary>The request signer a client connected with <paramref name="framework"/> uses: its identity, caller id, key and TTL.</summary>
    public static RequestFactory RequestsFor(ChoriaFramework framework) =>
        new(framework.Identity, framework.CallerId, framework.Config.InsecureMode ? null : framework.Security, framework.Config.InsecureMode, framework.Config.Ttl);

    public async ValueTask DisposeAsync()
    {
        if (_ownsConnection)
        {
            foreach (var connection in _receivers.Prepend(_connection).Distinct())
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Connection losses so far across the publisher and the reply receivers.</summary>
    private long Disconnects() => _receivers.Prepend(_connection).Distinct().Sum(c => c.Disconnects);

    private async Task<ReplyInbox> SubscribeAsync(string subject, CancellationToken cancellationToken)
    {
        var subscriptions = new List<ChoriaSubscription>(_receivers.Count);
        try
        {
            foreach (var receiver in _receivers)
            {
                subscriptions.Add(await receiver.SubscribeAsync(subject, _queueGroup, Options.ReplyBufferCapacity, BoundedChannelFullMode.Wait, cancellationToken).ConfigureAwait(false));
            }

            // The publisher's broker must know of every receiver's interest before the request leaves.
            if (_receivers.Count > 1 || !ReferenceEquals(_receivers[0], _connection))
            {
                foreach (var receiver in _receivers)
                {
                    await receiver.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch
        {
            foreach (var subscription in subscriptions)
            {
                await subscription.DisposeAsync().ConfigureAwait(false);
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
                await Publish(publication.Subject, publication.Message.ToUtf8Bytes(), cancellationToken).ConfigureAwait(false);
            }
        }
        else if (nodes is null)
        {
            await Publish(ChoriaSubjects.BroadcastAgent(collective, agent), request.Bytes, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            foreach (var node in nodes)
            {
                await Publish(ChoriaSubjects.Node(collective, node), request.Bytes, cancellationToken).ConfigureAwait(false);
            }
        }

        try
        {
            await _connection.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // NATS.Net cancels the round trip when the connection is lost before the broker answered it. Whatever reached
            // the broker may still be answered: the request waits for its replies as usual, and the lost connection is
            // reported with them (RpcStats.Interrupted) instead of ending the request with a bare cancellation.
            LogFlushInterrupted(_logger, request.RequestId);
        }
    }

    private async Task Publish(string subject, byte[] bytes, CancellationToken cancellationToken)
    {
        // No NATS-level reply subject (as Go 2020): servers use headers.reply-to, and with a NATS reply the
        // broker answers "503 no responders" on our reply subject whenever nobody subscribes to the target.
        var result = await _connection.PublishAsync(subject, bytes, replyTo: null, cancellationToken).ConfigureAwait(false);
        if (result != PublishResult.Published)
        {
            throw new ChoriaClientException($"could not publish to {subject}: {result}");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The connection to the broker was lost before it confirmed request {RequestId}; waiting for the replies that got through")]
    private static partial void LogFlushInterrupted(ILogger logger, string requestId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped a reply: {Reason}")]
    private static partial void LogRejected(ILogger logger, ReplyRejection reason);
}
