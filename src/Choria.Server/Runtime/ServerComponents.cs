using Choria.Config;
using Choria.Connector;
using Choria.Framework.Hosting;
using Choria.Framework;
using Choria.Machine.Runtime;
using Choria.Server.Lifecycle;
using Choria.Server.Machines;
using Choria.Server.Metrics;
using Choria.Server.Registration;
using Choria.Server.Status;
using Microsoft.Extensions.Logging;

namespace Choria.Server.Runtime;

/// <summary>The standard parts of a <see cref="ServerInstance"/>, each configured from its own settings.</summary>
public static class ServerComponents
{
    /// <summary>
    /// Status file and metrics start first (they only read counters); lifecycle events and registration publish,
    /// so they are built once the connection exists. Lifecycle starts before registration so observers see
    /// <c>startup</c> first, and stops after it so <c>shutdown</c> is the last thing published.
    /// </summary>
    /// <param name="provisioningMode">Lifecycle events come from <c>provision_mode_server</c> and the status file says so.</param>
    public static ServerParts Defaults(ServerInstance instance, ChoriaConfig config, ChoriaFramework framework, bool provisioningMode = false)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(framework);
        var loggers = framework.Loggers;
        var providers = AgentProviderCatalog.All.Select(provider => provider.Create(config, instance)).ToList();
        var components = new List<IChoriaComponent>();
        var connected = new List<Func<ChoriaConnection, IChoriaComponent>>();

        var status = StatusFileOptions.FromConfig(config);
        if (status.Enabled)
        {
            var writer = new StatusFileWriter(status, () => Snapshot(instance, provisioningMode), loggers.CreateLogger<StatusFileWriter>(), counters: instance.Counters);
            components.Add(new ServerComponent("status", writer.StartAsync, writer.StopAsync));
        }

        var metricsOptions = ServerMetricsOptions.FromConfig(config);
        var metrics = new ServerMetrics(metricsOptions, instance.Counters, () => instance.Connection, Prometheus.Metrics.DefaultRegistry, config.Build, loggers.CreateLogger<ServerMetrics>(), instance.Clock);
        components.Add(new ServerComponent("metrics", metrics.StartAsync, metrics.StopAsync));

        var lifecycle = LifecycleOptions.FromConfig(config, provisioningMode);
        connected.Add(connection =>
        {
            var publisher = new LifecyclePublisher(lifecycle, connection, instance.Counters, loggers.CreateLogger<LifecyclePublisher>());
            return new ServerComponent("lifecycle", publisher.StartAsync, publisher.StopAsync);
        });

        var machines = MachineServiceOptions.FromConfig(config);
        if (machines.Enabled)
        {
            connected.Add(connection => MachinesComponent(machines, connection, instance, loggers));
        }

        var registration = RegistrationOptions.FromConfig(config);
        if (registration.Enabled)
        {
            connected.Add(connection => RegistrationComponent(registration, connection, framework, instance.Counters));
        }

        return new() { AgentProviders = providers, Components = components, ConnectedComponents = connected, ActionObserver = metrics };
    }

    private static ServerComponent RegistrationComponent(RegistrationOptions options, ChoriaConnection connection, ChoriaFramework framework, ServerCounters counters)
    {
        var publisher = new RegistrationPublisher(options, connection, framework.Security, framework.Identity, framework.Loggers.CreateLogger<RegistrationPublisher>(), counters: counters);
        return new ServerComponent("registration", publisher.StartAsync, publisher.StopAsync);
    }

    /// <summary>The autonomous agents (docs/machines.md): choria_util and rpcutil see them while the component runs.</summary>
    private static ServerComponent MachinesComponent(MachineServiceOptions options, ChoriaConnection connection, ServerInstance instance, ILoggerFactory loggers)
    {
        var service = new MachineService(options, connection, loggers, new MachineMetrics(Prometheus.Metrics.DefaultRegistry),
            () => new ServerHealth(instance.ConnectedServer, instance.Counters.LastMessageUnix > 0 ? DateTimeOffset.FromUnixTimeSeconds(instance.Counters.LastMessageUnix) : null), instance.Clock);
        return new ServerComponent("machines",
            async token =>
            {
                await service.StartAsync(token);
                instance.Info.Machines = service;
            },
            async token =>
            {
                instance.Info.Machines = null;
                await service.StopAsync(token);
                await service.DisposeAsync();
            });
    }

    private static StatusSnapshot Snapshot(ServerInstance instance, bool provisioningMode) => new()
    {
        ProvisioningMode = provisioningMode,
        Identity = instance.Info.Identity,
        Uptime = (long)(instance.Clock.GetUtcNow() - instance.Info.StartTime).TotalSeconds,
        ConnectedServer = instance.ConnectedServer,
        LastMessage = instance.Counters.LastMessageUnix,
        Stats = instance.Counters.Snapshot(),
    };

    private sealed class ServerComponent(string name, Func<CancellationToken, Task> start, Func<CancellationToken, Task> stop) : IChoriaComponent
    {
        public string Name => name;

        public Task StartAsync(CancellationToken cancellationToken) => start(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => stop(cancellationToken);
    }
}
