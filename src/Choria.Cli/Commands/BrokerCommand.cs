using System.CommandLine;
using Choria.Broker.Adapters;
using Choria.Broker.Federation;
using Choria.Broker.Hosting;
using Choria.Broker.Network;
using Choria.Broker.Stats;
using Choria.Cli.Hosting;
using Choria.Config;
using Choria.Config.Build;
using Choria.Connector;
using Choria.Framework;
using Microsoft.Extensions.Logging;

namespace Choria.Cli.Commands;

/// <summary><c>choria broker [run]</c>: network broker, federation broker and adapters (docs/broker.md).</summary>
public static partial class BrokerCommand
{
    private static readonly Option<FileInfo?> Pid = new("--pid") { Description = "Write the process id to a file" };
    private static readonly Option<bool> DisableTls = new("--disable-tls") { Description = "Disables TLS", Hidden = true };
    private static readonly Option<bool> DisableTlsVerify = new("--disable-ssl-verification") { Description = "Disables SSL Verification", Hidden = true };

    public static Command Create()
    {
        var broker = new Command("broker", "Choria Network Broker");
        var run = new Command("run", "Runs a Choria Network Broker instance");
        foreach (var command in new[] { broker, run })
        {
            command.Options.Add(Pid);
            command.Options.Add(DisableTls);
            command.Options.Add(DisableTlsVerify);
            // 2020 systemd units run `choria broker --config=...`: run is the default.
            command.SetAction((parse, ct) => RunAsync(parse, ct));
        }

        broker.Subcommands.Add(run);
        return broker;
    }

    private static Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken) =>
        CliRuntime.RunAsync(parse, async ct =>
        {
            var config = CliRuntime.LoadConfig(parse, ConfigRole.Broker);
            var debug = parse.GetValue(GlobalOptions.Debug);
            using var framework = await ChoriaFramework.CreateAsync(config, debug, verifySecurityFiles: false, cancellationToken: ct);
            var logger = framework.Loggers.CreateLogger("Choria.Broker");
            logger.LogInformation("Choria Broker version {Version} starting with config {Config}", BuildSettings.Current.Version, config.ConfigFile);
            CliRuntime.WritePidFile(parse.GetValue(Pid));

            var run = BrokerRunOptions.FromConfig(config);
            var features = new List<IBrokerComponent>();
            NatsServerSupervisor? supervisor = null;
            var srv = new DnsSrvResolver(framework.Loggers.CreateLogger<DnsSrvResolver>());
            Task<NetworkBrokerOptions> NetworkOptionsAsync(ChoriaConfig from, CancellationToken token) => BrokerOptionsFactory.NetworkAsync(
                from, framework.Security, srv, debug, parse.GetValue(DisableTls), parse.GetValue(DisableTlsVerify), logger, token);
            if (run.Network)
            {
                supervisor = new NatsServerSupervisor(await NetworkOptionsAsync(config, ct), framework.Loggers.CreateLogger<NatsServerSupervisor>());
                features.Add(new NetworkBrokerComponent(supervisor));
            }

            // One reload at a time: a burst of SIGHUPs must not interleave config reads and renders.
            using var reloading = new SemaphoreSlim(1, 1);
            async Task ReloadAsync()
            {
                try
                {
                    await reloading.WaitAsync(ct);
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
                {
                    // Shutting down: there is nothing left to reload.
                    return;
                }

                try
                {
                    if (supervisor is null)
                    {
                        LogReloadNothing(logger);
                        return;
                    }

                    // The security provider is not rebuilt: nats-server re-reads the same certificate files itself.
                    var fresh = CliRuntime.LoadConfig(parse, ConfigRole.Broker);
                    supervisor.Reload(await NetworkOptionsAsync(fresh, ct));
                }
                catch (Exception e) when (e is ConfigException or BrokerConfigException or IOException or InvalidOperationException)
                {
                    LogReloadFailed(logger, e.Message);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                }
                finally
                {
                    reloading.Release();
                }
            }

            using var sighup = ReloadSignal.Register(() =>
            {
                LogReloadRequested(logger, config.ConfigFile ?? "");
                _ = Task.Run(ReloadAsync, CancellationToken.None);
            });

            var statsOptions = BrokerOptionsFactory.Stats(config);
            using var stats = statsOptions is null ? null : new ChoriaStatsServer(statsOptions, supervisor, framework.Loggers.CreateLogger<ChoriaStatsServer>());
            var registry = stats?.Registry ?? Prometheus.Metrics.NewCustomRegistry();
            var resolver = new BrokerResolver(new DnsSrvResolver(framework.Loggers.CreateLogger<DnsSrvResolver>()), framework.Loggers.CreateLogger<BrokerResolver>());
            ConnectionOptionsFactory connections = framework.ConnectorOptions;
            var disposables = new List<IAsyncDisposable>();
            if (run.Federation)
            {
                var federation = new FederationBroker(FederationBrokerOptions.FromConfig(config), resolver, connections, registry, framework.Loggers);
                features.Add(federation);
                disposables.Add(federation);
            }

            foreach (var adapterOptions in AdapterOptions.AllFromConfig(config))
            {
                var adapter = new ProtocolAdapter(adapterOptions, resolver, connections, registry, framework.Loggers);
                features.Add(adapter);
                disposables.Add(adapter);
            }

            var host = new ChoriaBrokerHost(
                features,
                stats,
                run.SoftShutdownTimeout,
                framework.Loggers.CreateLogger<ChoriaBrokerHost>());
            var grace = run.SoftShutdownTimeout + TimeSpan.FromSeconds(1);
            using var forceQuit = CliRuntime.ForceQuitAfterCancel(grace, ct);
            try
            {
                return await host.RunAsync(ct) ? 0 : 1;
            }
            finally
            {
                foreach (var disposable in disposables)
                {
                    await disposable.DisposeAsync();
                }

                if (supervisor is not null)
                {
                    await supervisor.DisposeAsync();
                }
            }
        }, cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "SIGHUP: reloading the network broker from {ConfigFile}")]
    private static partial void LogReloadRequested(ILogger logger, string configFile);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reload failed, nats-server keeps its running configuration: {Reason}")]
    private static partial void LogReloadFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "SIGHUP: no network broker runs in this process, nothing to reload")]
    private static partial void LogReloadNothing(ILogger logger);
}
