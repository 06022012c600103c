using Choria.Connector;
using Choria.Protocol.Subjects;
using Choria.Server.Agents.Providers;
using Choria.Server.Agents;
using Microsoft.Extensions.Logging;

namespace Choria.Server.Runtime;

/// <summary>
/// The server side of <see cref="IAgentProvider"/>: owns the broadcast subscriptions of every agent, so agents can
/// come and go while requests flow. Changes are serialised by one lock; the registry itself is lock free, so a
/// request already dispatched to a removed or replaced agent simply finishes on the old instance.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The semaphore never allocates a wait handle, and providers may still call in after shutdown.")]
internal sealed partial class ServerAgentSink(
    AgentRegistry registry,
    IReadOnlyList<string> collectives,
    IReadOnlySet<string> builtins,
    McorpcAgentOptions mcorpcOptions,
    ILoggerFactory loggers) : IAgentSink
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Dictionary<string, List<AgentSubscription>> _subscriptions = new(StringComparer.Ordinal);
    private readonly ILogger _logger = loggers.CreateLogger<ServerAgentSink>();
    private ChoriaConnection? _connection;
    private Func<ChoriaSubscription, CancellationToken, Task>? _pump;
    private CancellationToken _lifetime;
    private bool _closed;

    public McorpcAgentOptions McorpcOptions => mcorpcOptions;

    public ILoggerFactory Loggers => loggers;

    public async ValueTask<AgentRegistrationResult> AddAsync(IAgent agent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var name = agent.Metadata.Name;
        if (builtins.Contains(name))
        {
            return new(AgentRegistrationStatus.Duplicate, $"agent {name} is already registered");
        }

        await _lock.WaitAsync(cancellationToken);
        try
        {
            var result = registry.Register(agent, replace: true);
            if (result.Status != AgentRegistrationStatus.Registered || _connection is null || _closed || _subscriptions.ContainsKey(name))
            {
                return result;
            }

            try
            {
                await SubscribeAgentAsync(name, cancellationToken);
                await _connection.FlushAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // An agent nobody can reach must not look registered to inventory and filters.
                registry.Unregister(name);
                await UnsubscribeAgentAsync(name);
                return new(AgentRegistrationStatus.InvalidMetadata, $"could not subscribe agent {name}: {e.Message}");
            }

            return result;
        }
        finally
        {
            _lock.Release();
        }
    }

    public async ValueTask<bool> RemoveAsync(string name, CancellationToken cancellationToken)
    {
        if (builtins.Contains(name))
        {
            return false;
        }

        await _lock.WaitAsync(cancellationToken);
        try
        {
            var removed = registry.Unregister(name);
            await UnsubscribeAgentAsync(name);
            return removed;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// Subscribes every registered agent in every collective (docs/server.md, "Startup order") and from now on also the agents added
    /// later; <paramref name="pump"/> feeds one subscription to the request processor until its token ends.
    /// Returns the number of subscriptions made.
    /// </summary>
    public async Task<int> SubscribeAsync(ChoriaConnection connection, Func<ChoriaSubscription, CancellationToken, Task> pump, CancellationToken lifetime, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            _connection = connection;
            _pump = pump;
            _lifetime = lifetime;
            foreach (var name in registry.KnownAgents())
            {
                await SubscribeAgentAsync(name, cancellationToken);
            }

            return _subscriptions.Values.Sum(s => s.Count);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Drops every agent subscription and waits for their pumps; agents added afterwards are registered only.</summary>
    public async Task CloseAsync()
    {
        await _lock.WaitAsync(CancellationToken.None);
        try
        {
            _closed = true;
            foreach (var name in _subscriptions.Keys.ToList())
            {
                await UnsubscribeAgentAsync(name);
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task SubscribeAgentAsync(string name, CancellationToken cancellationToken)
    {
        var list = new List<AgentSubscription>(collectives.Count);
        _subscriptions[name] = list;
        foreach (var collective in collectives)
        {
            var subject = ChoriaSubjects.BroadcastAgent(collective, name);
            var subscription = await _connection!.SubscribeAsync(subject, cancellationToken: cancellationToken);
            var stop = CancellationTokenSource.CreateLinkedTokenSource(_lifetime);
            list.Add(new AgentSubscription(subscription, stop, _pump!(subscription, stop.Token)));
            LogSubscribed(subject);
        }
    }

    private async Task UnsubscribeAgentAsync(string name)
    {
        if (!_subscriptions.Remove(name, out var list))
        {
            return;
        }

        foreach (var s in list)
        {
            await s.Subscription.DisposeAsync();
            await s.Stop.CancelAsync();
            await s.Pump;
            s.Stop.Dispose();
            LogUnsubscribed(s.Subscription.Subject);
        }
    }

    private sealed record AgentSubscription(ChoriaSubscription Subscription, CancellationTokenSource Stop, Task Pump);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Subscribed to {Subject}")]
    private partial void LogSubscribed(string subject);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Unsubscribed from {Subject}")]
    private partial void LogUnsubscribed(string subject);
}
