using Choria.Connector;
using Choria.Protocol.Lifecycle;
using Choria.Server.Runtime;
using Microsoft.Extensions.Logging;

namespace Choria.Server.Lifecycle;

/// <summary>
/// Publishes the server's lifecycle events: startup once on start, alive on the 2020 schedule, shutdown on stop.
/// Each published event counts towards <c>choria_server_events</c>.
/// </summary>
public sealed partial class LifecyclePublisher : IAsyncDisposable
{
    private readonly LifecycleOptions _options;
    private readonly ChoriaConnection _connection;
    private readonly ServerCounters _counters;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly Func<int, int> _random;
    private CancellationTokenSource? _stopping;
    private Task _aliveLoop = Task.CompletedTask;

    /// <param name="random">Returns a value in [0, n); tests pin the alive delay with it.</param>
    public LifecyclePublisher(LifecycleOptions options, ChoriaConnection connection, ServerCounters counters, ILogger logger, TimeProvider? clock = null, Func<int, int>? random = null)
    {
        _options = options;
        _connection = connection;
        _counters = counters;
        _logger = logger;
        _clock = clock ?? TimeProvider.System;
        _random = random ?? Random.Shared.Next;
    }

    /// <summary>Publishes startup and begins the alive schedule; call after the node subscriptions exist.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_stopping is not null)
        {
            return;
        }

        _stopping = new CancellationTokenSource();
        await PublishAsync(NewEvent(LifecycleEventType.Startup), cancellationToken);
        var token = _stopping.Token;
        _aliveLoop = Task.Run(() => AliveLoopAsync(token), CancellationToken.None);
    }

    /// <summary>Stops the alive schedule and publishes shutdown.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping is null)
        {
            return;
        }

        await _stopping.CancelAsync();
        await _aliveLoop.WaitAsync(cancellationToken);
        _stopping.Dispose();
        _stopping = null;
        await PublishAsync(NewEvent(LifecycleEventType.Shutdown), cancellationToken);
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);

    /// <summary>An event of this server (identity, component, version where the type carries one).</summary>
    public LifecycleEvent NewEvent(LifecycleEventType type) =>
        LifecycleEvent.Create(type, _options.Identity, _options.Component, _options.Version, _clock);

    /// <summary>The wire form in the configured format.</summary>
    public byte[] Encode(LifecycleEvent e) => _options.LegacyFormat ? e.ToChoriaJson() : e.ToCloudEventJson();

    /// <summary>Publishes any event (also used for provisioned/shutdown by the provisioning agent); errors are logged.</summary>
    public async Task<bool> PublishAsync(LifecycleEvent e, CancellationToken cancellationToken)
    {
        try
        {
            var result = await _connection.PublishAsync(e.Subject, Encode(e), cancellationToken: cancellationToken);
            if (result != PublishResult.Published)
            {
                LogPublishFailed(_logger, LifecycleEvent.TypeName(e.Type), result.ToString());
                return false;
            }

            _counters.IncrementEvents();
            LogPublished(_logger, LifecycleEvent.TypeName(e.Type), e.Subject);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogPublishFailed(_logger, LifecycleEvent.TypeName(e.Type), ex.Message);
            return false;
        }
    }

    private async Task AliveLoopAsync(CancellationToken cancellationToken)
    {
        // Built once and republished: every alive event of a process shares id and timestamp (docs/server.md).
        var alive = NewEvent(LifecycleEventType.Alive);
        try
        {
            var delay = TimeSpan.FromMinutes(_random(_options.AliveInitialDelayMinutes));
            await Task.Delay(delay, _clock, cancellationToken);
            using var timer = new PeriodicTimer(_options.AliveInterval, _clock);
            do
            {
                await PublishAsync(alive, cancellationToken);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not publish {Type} lifecycle event: {Reason}")]
    private static partial void LogPublishFailed(ILogger logger, string type, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Published {Type} lifecycle event to {Subject}")]
    private static partial void LogPublished(ILogger logger, string type, string subject);
}
