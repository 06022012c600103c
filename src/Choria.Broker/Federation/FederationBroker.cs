using System.Threading.Channels;
using Choria.Connector;
using Choria.Framework.Hosting;
using Choria.Protocol.Subjects;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Choria.Broker.Federation;

/// <summary>
/// Bridges one member collective and the federation network (docs/federation.md). Stateless: any number of
/// instances share the work through the NATS queue groups.
/// </summary>
public sealed partial class FederationBroker : IChoriaComponent, IAsyncDisposable
{
    private readonly FederationBrokerOptions _options;
    private readonly BrokerResolver _resolver;
    private readonly ConnectionOptionsFactory _connectionOptions;
    private readonly FederationMetrics _metrics;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly DropTracker _drops;
    private readonly List<ChoriaConnection> _connections = [];
    private readonly List<ChoriaSubscription> _subscriptions = [];
    private CancellationTokenSource? _running;
    private List<Task> _workers = [];

    public FederationBroker(FederationBrokerOptions options, BrokerResolver resolver, ConnectionOptionsFactory connectionOptions, CollectorRegistry registry, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options;
        _resolver = resolver;
        _connectionOptions = connectionOptions;
        _metrics = new FederationMetrics(registry);
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<FederationBroker>();
        _drops = new DropTracker(_logger, $"Federation broker {options.Cluster}", Enum.GetNames<FederationDropReason>(), options.DropLogInterval);
    }

    public string Name => $"federation broker {_options.Cluster}";

    /// <summary>Messages discarded for <paramref name="reason"/> since start.</summary>
    public long Dropped(FederationDropReason reason) => _drops.Count((int)reason);

    /// <summary>
    /// Resolves both networks, opens every worker connection (retrying until <paramref name="cancellationToken"/>
    /// ends), subscribes and starts the workers. Fails loudly when a side resolves to no brokers.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_running is not null)
        {
            throw new InvalidOperationException($"{Name} is already running");
        }

        var federation = await ResolveAsync(_options.FederationBrokers, "federation", cancellationToken);
        var collective = await ResolveAsync(_options.CollectiveBrokers, "collective", cancellationToken);
        try
        {
            var requestsIn = ConnectWorkersAsync(federation, "choria_nats_ingest", _options.IngestWorkers, cancellationToken);
            var requestsOut = ConnectWorkersAsync(collective, "choria_nats_egest", _options.EgestWorkers, cancellationToken);
            var repliesIn = ConnectWorkersAsync(collective, "choria_nats_ingest", _options.IngestWorkers, cancellationToken);
            var repliesOut = ConnectWorkersAsync(federation, "choria_nats_egest", _options.EgestWorkers, cancellationToken);
            await Task.WhenAll(requestsIn, requestsOut, repliesIn, repliesOut);

            var requestSubs = await SubscribeAsync(await requestsIn, ChoriaSubjects.FederationRequests(_options.Cluster), ChoriaSubjects.FederationRequestsQueueGroup(_options.Cluster), cancellationToken);
            var replySubs = await SubscribeAsync(await repliesIn, ChoriaSubjects.FederationReplies(_options.Cluster), ChoriaSubjects.FederationRepliesQueueGroup(_options.Cluster), cancellationToken);

            _running = new CancellationTokenSource();
            var logger = _loggerFactory.CreateLogger<FederationChain>();
            var requests = new FederationChain(FederationDirection.Requests, _options, _metrics, _drops, logger);
            var replies = new FederationChain(FederationDirection.Replies, _options, _metrics, _drops, logger);
            _workers = [
                .. requests.Start(requestSubs, await requestsOut, _running.Token),
                .. replies.Start(replySubs, await repliesOut, _running.Token),
            ];
            LogStarted(_logger, _options.Cluster, string.Join(", ", federation.Select(h => h.Url)), string.Join(", ", collective.Select(h => h.Url)));
        }
        catch
        {
            await CloseAsync();
            throw;
        }
    }

    /// <summary>Stops the workers; messages still queued inside the broker are abandoned, as in Go.</summary>
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

    private async Task<IReadOnlyList<BrokerHost>> ResolveAsync(BrokerResolutionOptions options, string side, CancellationToken cancellationToken)
    {
        var resolution = await _resolver.ResolveAsync(options, cancellationToken);
        if (!resolution.Success || resolution.Hosts.Count == 0)
        {
            throw new InvalidOperationException($"{Name}: cannot determine the {side} side brokers: {resolution.Error ?? "none found"}");
        }

        return resolution.Hosts;
    }

    private async Task<List<ChoriaConnection>> ConnectWorkersAsync(IReadOnlyList<BrokerHost> servers, string name, int count, CancellationToken cancellationToken)
    {
        var options = _connectionOptions(servers, name);
        var logger = _loggerFactory.CreateLogger<ChoriaConnection>();
        var connections = await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            var connection = await ChoriaConnection.ConnectAsync(options, logger, cancellationToken);
            // Tracked at once so a later failure or cancellation still closes it.
            lock (_connections)
            {
                _connections.Add(connection);
            }

            return connection;
        }));
        return [.. connections];
    }

    private async Task<List<(ChoriaConnection, ChoriaSubscription)>> SubscribeAsync(List<ChoriaConnection> connections, string subject, string queueGroup, CancellationToken cancellationToken)
    {
        var result = new List<(ChoriaConnection, ChoriaSubscription)>(connections.Count);
        foreach (var connection in connections)
        {
            var subscription = await connection.SubscribeAsync(subject, queueGroup, _options.SubscriptionCapacity, BoundedChannelFullMode.DropNewest, cancellationToken);
            _subscriptions.Add(subscription);
            // The round trip makes the subscription effective before StartAsync returns.
            await connection.FlushAsync(cancellationToken);
            result.Add((connection, subscription));
        }

        return result;
    }

    private async Task CloseAsync()
    {
        foreach (var subscription in _subscriptions)
        {
            await subscription.DisposeAsync();
        }

        _subscriptions.Clear();
        List<ChoriaConnection> connections;
        lock (_connections)
        {
            connections = [.. _connections];
            _connections.Clear();
        }

        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }

        _running?.Dispose();
        _running = null;
        _workers = [];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Federation broker for cluster {Cluster} running between federation brokers {Federation} and collective brokers {Collective}")]
    private static partial void LogStarted(ILogger logger, string cluster, string federation, string collective);
}
