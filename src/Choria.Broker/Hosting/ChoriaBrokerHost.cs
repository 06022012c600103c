using Choria.Broker.Network;
using Choria.Framework.Hosting;
using Microsoft.Extensions.Logging;

namespace Choria.Broker.Hosting;

/// <summary>
/// Runs the enabled broker parts (docs/broker.md): features in order (network → federation →
/// adapters), then the stats server; stops in reverse order within the soft-shutdown timeout.
/// </summary>
internal sealed partial class ChoriaBrokerHost
{
    private readonly IReadOnlyList<IChoriaComponent> _features;
    private readonly IChoriaComponent? _stats;
    private readonly TimeSpan _softShutdownTimeout;
    private readonly ILogger _logger;
    private readonly List<IChoriaComponent> _started = [];

    /// <param name="features">Enabled features in start order; at least one is required.</param>
    /// <param name="stats">The statistics server, started last, or null when <c>stats_port</c> is 0.</param>
    /// <param name="softShutdownTimeout"><c>plugin.choria.network.soft_shutdown_timeout</c>.</param>
    public ChoriaBrokerHost(IReadOnlyList<IChoriaComponent> features, IChoriaComponent? stats, TimeSpan softShutdownTimeout, ILogger<ChoriaBrokerHost> logger)
    {
        ArgumentNullException.ThrowIfNull(features);
        _features = features;
        _stats = stats;
        _softShutdownTimeout = softShutdownTimeout;
        _logger = logger;
    }

    /// <summary>Starts every part; on failure stops the ones already started and rethrows.</summary>
    /// <exception cref="BrokerConfigException">No feature is enabled.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_features.Count == 0)
        {
            throw new BrokerConfigException("all broker features are disabled");
        }

        var all = _stats is null ? _features : [.. _features, _stats];
        foreach (var component in all)
        {
            LogStarting(_logger, component.Name);
            try
            {
                await component.StartAsync(cancellationToken);
            }
            catch (Exception ex)
            {
                LogStartFailed(_logger, component.Name, ex.Message);
                await StopAsync(CancellationToken.None);
                throw;
            }

            _started.Add(component);
        }
    }

    /// <summary>Stops started parts in reverse order. Returns false when the soft timeout ran out.</summary>
    public async Task<bool> StopAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_softShutdownTimeout);
        var clean = true;
        for (var i = _started.Count - 1; i >= 0; i--)
        {
            var component = _started[i];
            try
            {
                await component.StopAsync(deadline.Token).WaitAsync(deadline.Token);
                LogStopped(_logger, component.Name);
            }
            catch (OperationCanceledException)
            {
                clean = false;
                LogStopTimedOut(_logger, component.Name, _softShutdownTimeout.TotalSeconds);
            }
        }

        _started.Clear();
        return clean;
    }

    /// <summary>Starts, runs until <paramref name="stoppingToken"/> fires (SIGINT/SIGTERM), then stops.</summary>
    public async Task<bool> RunAsync(CancellationToken stoppingToken)
    {
        await StartAsync(stoppingToken);
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            LogShuttingDown(_logger);
        }

        return await StopAsync(CancellationToken.None);
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Starting broker component {Name}")]
    private static partial void LogStarting(ILogger logger, string name);

    [LoggerMessage(EventId = 31, Level = LogLevel.Error, Message = "Broker component {Name} failed to start: {Reason}")]
    private static partial void LogStartFailed(ILogger logger, string name, string reason);

    [LoggerMessage(EventId = 32, Level = LogLevel.Information, Message = "Broker component {Name} stopped")]
    private static partial void LogStopped(ILogger logger, string name);

    [LoggerMessage(EventId = 33, Level = LogLevel.Error, Message = "Broker component {Name} did not stop within {Seconds}s")]
    private static partial void LogStopTimedOut(ILogger logger, string name, double seconds);

    [LoggerMessage(EventId = 34, Level = LogLevel.Information, Message = "Shutting down broker")]
    private static partial void LogShuttingDown(ILogger logger);
}
