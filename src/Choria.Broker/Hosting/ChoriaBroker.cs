using Choria.Broker.Adapters;
using Choria.Broker.Federation;
using Choria.Broker.Network;
using Choria.Broker.Stats;
using Choria.Config;
using Choria.Config.Build;
using Choria.Connector;
using Choria.Framework;
using Choria.Framework.Hosting;
using Microsoft.Extensions.Logging;

namespace Choria.Broker.Hosting;

/// <summary>
/// The broker role's entry point (docs/broker.md): builds the enabled parts from configuration (network broker,
/// federation brokers, protocol adapters, stats server), runs them under <see cref="ChoriaBrokerHost"/>, and
/// re-renders the network broker on <see cref="ReloadAsync"/> (SIGHUP). The CLI only parses flags, wires the
/// signal and renders the exit code.
/// </summary>
public sealed partial class ChoriaBroker : IAsyncDisposable
{
    private readonly ChoriaFramework _framework;
    private readonly Func<ChoriaConfig> _reloadConfig;
    private readonly BrokerFlags _flags;
    private readonly ISrvResolver _srv;
    private readonly ILogger _logger;
    private readonly ChoriaBrokerHost _host;
    private readonly NatsServerSupervisor? _supervisor;
    private readonly ChoriaStatsServer? _stats;
    private readonly List<IAsyncDisposable> _disposables;
    // One reload at a time: a burst of SIGHUPs must not interleave config reads and renders.
    private readonly SemaphoreSlim _reloading = new(1, 1);

    private ChoriaBroker(
        ChoriaFramework framework, Func<ChoriaConfig> reloadConfig, BrokerFlags flags, ISrvResolver srv, ILogger logger,
        ChoriaBrokerHost host, NatsServerSupervisor? supervisor, ChoriaStatsServer? stats, List<IAsyncDisposable> disposables, TimeSpan softShutdownTimeout)
    {
        _framework = framework;
        _reloadConfig = reloadConfig;
        _flags = flags;
        _srv = srv;
        _logger = logger;
        _host = host;
        _supervisor = supervisor;
        _stats = stats;
        _disposables = disposables;
        SoftShutdownTimeout = softShutdownTimeout;
    }

    /// <summary><c>plugin.choria.network.soft_shutdown_timeout</c>: how long the parts get to stop.</summary>
    public TimeSpan SoftShutdownTimeout { get; }

    /// <summary>Builds every enabled part from <paramref name="framework"/>'s configuration; nothing runs yet.</summary>
    /// <param name="reloadConfig">Reads the configuration afresh for a reload (the same file and role).</param>
    public static async Task<ChoriaBroker> CreateAsync(ChoriaFramework framework, BrokerFlags flags, Func<ChoriaConfig> reloadConfig, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(framework);
        var config = framework.Config;
        var loggers = framework.Loggers;
        var logger = loggers.CreateLogger("Choria.Broker");
        LogStarting(logger, BuildSettings.Current.Version, config.ConfigFile ?? "");

        var run = BrokerRunOptions.FromConfig(config);
        var srv = new DnsSrvResolver(loggers.CreateLogger<DnsSrvResolver>());
        var features = new List<IChoriaComponent>();
        var disposables = new List<IAsyncDisposable>();
        NatsServerSupervisor? supervisor = null;
        if (run.Network)
        {
            var network = await NetworkOptionsAsync(framework, config, flags, srv, logger, cancellationToken);
            supervisor = new NatsServerSupervisor(network, loggers.CreateLogger<NatsServerSupervisor>());
            features.Add(new NetworkBrokerComponent(supervisor));
            disposables.Add(supervisor);
        }

        var statsOptions = BrokerOptionsFactory.Stats(config);
        var stats = statsOptions is null ? null : new ChoriaStatsServer(statsOptions, supervisor, loggers.CreateLogger<ChoriaStatsServer>());
        var registry = stats?.Registry ?? Prometheus.Metrics.NewCustomRegistry();
        var resolver = new BrokerResolver(srv, loggers.CreateLogger<BrokerResolver>());
        ConnectionOptionsFactory connections = framework.ConnectorOptions;
        if (run.Federation)
        {
            var federation = new FederationBroker(FederationBrokerOptions.FromConfig(config), resolver, connections, registry, loggers);
            features.Add(federation);
            disposables.Insert(0, federation);
        }

        foreach (var adapterOptions in AdapterOptions.AllFromConfig(config))
        {
            var adapter = new ProtocolAdapter(adapterOptions, resolver, connections, registry, loggers);
            features.Add(adapter);
            disposables.Insert(0, adapter);
        }

        var host = new ChoriaBrokerHost(features, stats, run.SoftShutdownTimeout, loggers.CreateLogger<ChoriaBrokerHost>());
        return new ChoriaBroker(framework, reloadConfig, flags, srv, logger, host, supervisor, stats, disposables, run.SoftShutdownTimeout);
    }

    /// <summary>Starts every part, runs until <paramref name="stoppingToken"/> fires, then stops them; false when the stop overran.</summary>
    public Task<bool> RunAsync(CancellationToken stoppingToken) => _host.RunAsync(stoppingToken);

    /// <summary>
    /// SIGHUP: re-reads the configuration and hands the network broker its new rendering. The security provider is
    /// not rebuilt: nats-server re-reads the same certificate files itself. A failed reload keeps the running
    /// configuration and is logged.
    /// </summary>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        LogReloadRequested(_logger, _framework.Config.ConfigFile ?? "");
        try
        {
            await _reloading.WaitAsync(cancellationToken);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // Shutting down: there is nothing left to reload.
            return;
        }

        try
        {
            if (_supervisor is null)
            {
                LogReloadNothing(_logger);
                return;
            }

            var fresh = _reloadConfig();
            _supervisor.Reload(await NetworkOptionsAsync(_framework, fresh, _flags, _srv, _logger, cancellationToken));
        }
        catch (Exception e) when (e is ConfigException or BrokerConfigException or IOException or InvalidOperationException)
        {
            LogReloadFailed(_logger, e.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            _reloading.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var disposable in _disposables)
        {
            await disposable.DisposeAsync();
        }

        _stats?.Dispose();
        _reloading.Dispose();
    }

    private static Task<NetworkBrokerOptions> NetworkOptionsAsync(
        ChoriaFramework framework, ChoriaConfig config, BrokerFlags flags, ISrvResolver srv, ILogger logger, CancellationToken cancellationToken) =>
        BrokerOptionsFactory.NetworkAsync(config, framework.Security, srv, flags.Debug, flags.DisableTls, flags.DisableTlsVerify, logger, cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Choria Broker version {Version} starting with config {Config}")]
    private static partial void LogStarting(ILogger logger, string version, string config);

    [LoggerMessage(Level = LogLevel.Information, Message = "SIGHUP: reloading the network broker from {ConfigFile}")]
    private static partial void LogReloadRequested(ILogger logger, string configFile);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reload failed, nats-server keeps its running configuration: {Reason}")]
    private static partial void LogReloadFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "SIGHUP: no network broker runs in this process, nothing to reload")]
    private static partial void LogReloadNothing(ILogger logger);
}
