namespace Choria.Framework.Hosting;

/// <summary>
/// A part of a daemon that starts and stops with it: the server's status file, metrics, lifecycle events and
/// registration, the broker's network broker, federation brokers, adapters and stats server. Hosts start
/// parts in order and stop them in reverse (docs/architecture.md).
/// </summary>
public interface IChoriaComponent
{
    /// <summary>Short name used in logs and errors, e.g. <c>network</c> or <c>registration</c>.</summary>
    string Name { get; }

    /// <summary>Starts the part; returns once it is ready to serve.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Stops the part; the token is the host's soft-shutdown deadline.</summary>
    Task StopAsync(CancellationToken cancellationToken);
}
