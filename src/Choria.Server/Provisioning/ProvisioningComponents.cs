using Choria.Config;
using Choria.Framework;
using Choria.Protocol.Lifecycle;
using Choria.Server.Agents.Providers;
using Choria.Server.Lifecycle;
using Choria.Server.Runtime;
using Microsoft.Extensions.Logging;

namespace Choria.Server.Provisioning;

/// <summary>The <c>choria_provision</c> agent of a server of a binary built for provisioning (docs/provisioning.md).</summary>
public static class ProvisioningComponents
{
    /// <summary>
    /// The agent is served when the build allows it (<c>ProvisionAgent</c>) and the binary can provision at all, also
    /// after provisioning, so that <c>reprovision</c> can send the node back. <paramref name="restart"/> is called when
    /// an action asks for a restart: stop the server cleanly and start it again.
    /// </summary>
    public static ServerParts For(ServerInstance instance, ChoriaConfig config, ChoriaFramework framework, bool provisioningMode, Action restart, ProvisionAgentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(framework);
        if (config.Build.ProvisionAgent != "true" || !config.Build.SupportsProvisioning)
        {
            return ServerParts.None;
        }

        var host = new ProvisionHost(instance, config, provisioningMode, restart, framework.Loggers.CreateLogger<ProvisionHost>());
        return new() { AgentProviders = [new ProvisionAgentProvider(options ?? ProvisionAgentOptions.FromConfig(config, provisioningMode, framework.Certname), host)] };
    }

    private sealed class ProvisionAgentProvider(ProvisionAgentOptions options, IProvisionHost host) : IAgentProvider
    {
        public string Name => ProvisionAgent.Name;

        public string Version => options.Build.Version;

        public async Task StartAsync(IAgentSink sink, CancellationToken cancellationToken)
        {
            var agent = ProvisionAgent.Create(options, host, sink.McorpcOptions, sink.Loggers.CreateLogger("Choria.Server.Agents.choria_provision"));
            var result = await sink.AddAsync(agent, cancellationToken);
            if (!result.Success)
            {
                throw new InvalidOperationException($"could not register agent {ProvisionAgent.Name}: {result.Error}");
            }
        }
    }
}

/// <summary>The server side of <see cref="IProvisionHost"/>: lifecycle events on the server's connection and a delayed restart.</summary>
internal sealed partial class ProvisionHost(ServerInstance instance, ChoriaConfig config, bool provisioningMode, Action restart, ILogger logger) : IProvisionHost
{
    private int _restarting;

    public void ScheduleRestart(TimeSpan delay)
    {
        if (Interlocked.Exchange(ref _restarting, 1) == 1)
        {
            LogRestartPending();
            return;
        }

        _ = Task.Run(async () =>
        {
            await Task.Delay(delay);
            LogRestartNow();
            restart();
        });
    }

    public async Task PublishProvisionedAsync(CancellationToken cancellationToken)
    {
        if (instance.Connection is not { } connection)
        {
            return;
        }

        await using var publisher = new LifecyclePublisher(LifecycleOptions.FromConfig(config, provisioningMode), connection, instance.Counters, logger);
        await publisher.PublishAsync(publisher.NewEvent(LifecycleEventType.Provisioned), cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A restart is already pending, ignoring another request")]
    private partial void LogRestartPending();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restarting Choria Server as requested by the provisioner")]
    private partial void LogRestartNow();
}
