namespace Choria.Server.Runtime;

/// <summary>
/// A background part of the daemon (registration, status file, lifecycle events, metrics...). HOOK POINT:
/// <see cref="ServerInstance"/> starts components in list order once the broker connection and subscriptions
/// exist, and stops them in reverse order before disconnecting.
/// </summary>
public interface IServerComponent
{
    string Name { get; }

    Task StartAsync(CancellationToken cancellationToken);

    Task StopAsync(CancellationToken cancellationToken);
}
