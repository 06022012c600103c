namespace Choria.Server.Provisioning;

/// <summary>What the agent asks of the process around it.</summary>
public interface IProvisionHost
{
    /// <summary>Stops the server cleanly after <paramref name="delay"/> and starts it again with the same arguments and environment.</summary>
    void ScheduleRestart(TimeSpan delay);

    /// <summary>Publishes the <c>provisioned</c> lifecycle event; failures are logged by the host.</summary>
    Task PublishProvisionedAsync(CancellationToken cancellationToken);
}
