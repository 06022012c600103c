using Choria.Machine.Notifications;
using Microsoft.Extensions.Logging;

namespace Choria.Machine.Runtime;

/// <summary>What every machine of one host shares: who it runs as, where events go, logging, time and metrics.</summary>
public sealed record MachineContext
{
    public required string Identity { get; init; }

    public required IMachineNotifier Notifier { get; init; }

    public required ILoggerFactory Loggers { get; init; }

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public MachineMetrics Metrics { get; init; } = MachineMetrics.Unregistered();

    /// <summary>Returns a value in [0, n); tests pin the start splay with it.</summary>
    public Func<int, int> Random { get; init; } = System.Random.Shared.Next;

    /// <summary>Where nagios watchers report for node-exporter; null when <c>plugin.choria.prometheus_textfile_directory</c> is unset.</summary>
    public NagiosTextfile? PrometheusTextfile { get; init; }

    /// <summary>The hosting server's health for the nagios <c>choria_status</c> builtin; null outside a server.</summary>
    public Func<ServerHealth>? ServerHealth { get; init; }

    /// <summary>Transitions fired by watchers within <see cref="ThrottleWindow"/> before the machine slows down.</summary>
    public int ThrottleBurst { get; init; } = 10;

    public TimeSpan ThrottleWindow { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Gap enforced between watcher-fired transitions while throttled.</summary>
    public TimeSpan ThrottleDelay { get; init; } = TimeSpan.FromSeconds(5);
}
