namespace Choria.Broker.Hosting;

/// <summary>A part of <c>choria broker run</c> (network broker, stats, later federation and adapters).</summary>
public interface IBrokerComponent
{
    /// <summary>Short name used in logs and errors, e.g. <c>network</c>.</summary>
    string Name { get; }

    /// <summary>Starts the part; returns once it is ready to serve.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Stops the part; the token is the host's soft-shutdown deadline.</summary>
    Task StopAsync(CancellationToken cancellationToken);
}
