using Choria.Broker.Network;
using Choria.Framework.Hosting;

namespace Choria.Broker.Hosting;

/// <summary>The network broker part of <c>choria broker run</c>: a supervised nats-server.</summary>
internal sealed class NetworkBrokerComponent(NatsServerSupervisor supervisor) : IChoriaComponent
{
    public string Name => "network";

    public NatsServerSupervisor Supervisor { get; } = supervisor;

    public Task StartAsync(CancellationToken cancellationToken) => Supervisor.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Supervisor.StopAsync(cancellationToken);
}
