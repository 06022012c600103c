using System.Threading.Channels;
using Choria.Config;
using Choria.Connector;
using Choria.Machine.Notifications;
using Choria.Machine.Runtime;
using Choria.Server.Plugins;
using Choria.Server.Agents;
using Microsoft.Extensions.Logging;

namespace Choria.Server.Machines;

/// <summary>Autonomous agent settings of the server (docs/machines.md).</summary>
internal sealed record MachineServiceOptions
{
    public required string Identity { get; init; }

    /// <summary><c>plugin.choria.machine.store</c>; empty disables machines.</summary>
    public string Store { get; init; } = "";

    /// <summary><c>plugin.choria.server.provision</c>: a provisioning server runs no machines.</summary>
    public bool ProvisioningMode { get; init; }

    /// <summary><c>plugin.choria.prometheus_textfile_directory</c>: where nagios watchers write node-exporter metrics; empty: nowhere.</summary>
    public string PrometheusTextfileDirectory { get; init; } = "";

    /// <summary>Machines compiled into the binary (docs/plugins.md), run beside the store's.</summary>
    public IReadOnlyList<CompiledMachine> Compiled { get; init; } = [];

    public bool Enabled => Store.Length > 0 && !ProvisioningMode;

    public static MachineServiceOptions FromConfig(ChoriaConfig config) => new()
    {
        Identity = config.Identity,
        Store = config.MachineStore,
        ProvisioningMode = config.GetBool("plugin.choria.server.provision"),
        PrometheusTextfileDirectory = config.GetString("plugin.choria.prometheus_textfile_directory"),
        Compiled = [.. CompiledPlugins.Default.Machines],
    };
}

/// <summary>
/// The server's autonomous agent host: runs the store's machines, publishes their events on the broker and answers
/// <c>choria_util</c>'s machine actions and <c>rpcutil#inventory</c> through <see cref="IMachineHost"/>.
/// </summary>
internal sealed partial class MachineService : IMachineHost, IMachineNotifier, IAsyncDisposable
{
    /// <summary>Events waiting for the broker; beyond this the oldest are dropped (and counted) rather than growing.</summary>
    public const int MaxQueuedEvents = 10_000;

    private readonly ChoriaConnection _connection;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly Channel<(string Subject, byte[] Data)> _events;
    private readonly MachineHost _host;
    private CancellationTokenSource? _stopping;
    private Task _pump = Task.CompletedTask;
    private long _dropped;

    public MachineService(MachineServiceOptions options, ChoriaConnection connection, ILoggerFactory loggers, MachineMetrics metrics, Func<ServerHealth>? health = null, TimeProvider? clock = null)
    {
        _connection = connection;
        _logger = loggers.CreateLogger<MachineService>();
        _clock = clock ?? TimeProvider.System;
        _events = Channel.CreateBounded<(string, byte[])>(
            new BoundedChannelOptions(MaxQueuedEvents) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
        var context = new MachineContext
        {
            Identity = options.Identity,
            Notifier = this,
            Loggers = loggers,
            Clock = _clock,
            Metrics = metrics,
            ServerHealth = health,
            PrometheusTextfile = options.PrometheusTextfileDirectory.Length > 0
                ? new NagiosTextfile(options.PrometheusTextfileDirectory, _clock, loggers.CreateLogger<NagiosTextfile>())
                : null,
        };
        _host = new MachineHost(new MachineHostOptions { Store = options.Store, Compiled = options.Compiled }, context);
    }

    /// <summary>Events dropped because the broker could not keep up.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public IReadOnlyList<MachineInstance> Machines => _host.Machines;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = new CancellationTokenSource();
        var token = _stopping.Token;
        _pump = Task.Run(() => PumpAsync(token), CancellationToken.None);
        await _host.StartAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _host.StopAsync(cancellationToken);
        _events.Writer.TryComplete();
        try
        {
            await _pump.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Out of time: what is still queued is lost, as on a broker outage.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _events.Writer.TryComplete();
        if (_stopping is not null)
        {
            await _stopping.CancelAsync();
            _stopping.Dispose();
        }
    }

    public IReadOnlyList<MachineState> States() =>
    [
        .. _host.Machines.Select(m => new MachineState
        {
            Name = m.Name,
            Version = m.Version,
            State = m.State,
            Path = m.Directory,
            Id = m.Id,
            StartTime = m.StartTime.ToUnixTimeSeconds(),
            AvailableTransitions = m.AvailableTransitions(),
        }),
    ];

    /// <summary>The first machine matching every non-empty criterion; an invalid transition is refused before firing.</summary>
    public string? Transition(MachineSelector selector, string transition)
    {
        var any = selector.Name.Length > 0 || selector.Version.Length > 0 || selector.Path.Length > 0 || selector.Id.Length > 0;
        var machine = any
            ? _host.Machines.FirstOrDefault(m => Matches(selector.Name, m.Name) && Matches(selector.Version, m.Version) && Matches(selector.Path, m.Directory) && Matches(selector.Id, m.Id))
            : null;
        if (machine is null)
        {
            return $"could not find a machine matching criteria name='{selector.Name}', version='{selector.Version}', path='{selector.Path}', id='{selector.Id}'";
        }

        if (!machine.Can(transition) || !machine.Transition(transition))
        {
            return $"transition {transition} is not valid while in {machine.State} state";
        }

        return null;
    }

    private static bool Matches(string wanted, string actual) => wanted.Length == 0 || wanted == actual;

    void IMachineNotifier.Transition(TransitionNotification notification) =>
        Enqueue(TransitionNotification.Subject, MachineEvents.CloudEvent(notification, Guid.NewGuid().ToString(), _clock.GetUtcNow()));

    void IMachineNotifier.WatcherState(WatcherStateNotification notification) =>
        Enqueue(notification.Subject, MachineEvents.CloudEvent(notification, Guid.NewGuid().ToString(), _clock.GetUtcNow()));

    private void Enqueue(string subject, byte[] data) => _events.Writer.TryWrite((subject, data));

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var (subject, data) in _events.Reader.ReadAllAsync(cancellationToken))
            {
                try
                {
                    var result = await _connection.PublishAsync(subject, data, cancellationToken: cancellationToken);
                    if (result != PublishResult.Published)
                    {
                        LogPublishFailed(subject, result.ToString());
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogPublishFailed(subject, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish a machine event to {Subject}: {Reason}")]
    private partial void LogPublishFailed(string subject, string reason);
}
