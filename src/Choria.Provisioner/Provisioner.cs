using System.Text.Json;
using System.Threading.Channels;
using Choria.Client;
using Choria.Config.Build;
using Choria.Connector;
using Choria.Protocol.Filters;
using Choria.Protocol.Lifecycle;
using Microsoft.Extensions.Logging;

namespace Choria.Provisioner;

/// <summary>
/// The provisioning service (docs/provisioning.md): finds nodes waiting in the <c>provisioning</c> collective by
/// periodic discovery and by their startup events and registration data, and provisions each with a bounded pool of
/// workers. A node is never worked on twice at once; a failed node is retried after a growing delay.
/// </summary>
public sealed partial class Provisioner
{
    /// <summary>Subject of the startup events of servers in provisioning mode.</summary>
    public const string StartupSubject = "choria.lifecycle.event.startup.provision_mode_server";

    private readonly ProvisionerOptions _options;
    private readonly ChoriaClient _client;
    private readonly ProvisionerMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly Func<string, CancellationToken, Task> _provision;
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>();
    private readonly Dictionary<string, NodeState> _nodes = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <param name="provision">Provisions one node; defaults to <see cref="NodeProvisioner"/> (the emulator bench swaps it).</param>
    public Provisioner(ProvisionerOptions options, ChoriaClient client, ProvisionerMetrics metrics, ILogger logger, TimeProvider? clock = null, Func<string, CancellationToken, Task>? provision = null)
    {
        _options = options;
        _client = client;
        _metrics = metrics;
        _logger = logger;
        _clock = clock ?? TimeProvider.System;
        _provision = provision ?? new NodeProvisioner(client, options, metrics, (id, step) => LogStep(id, step)).ProvisionAsync;
    }

    /// <summary>Nodes told to restart so far.</summary>
    public int ProvisionedCount { get; private set; }

    /// <summary>Discovers, listens on <paramref name="events"/> (when given) and provisions until cancelled.</summary>
    public async Task RunAsync(ChoriaConnection? events, CancellationToken cancellationToken)
    {
        var workers = Enumerable.Range(0, _options.Workers).Select(_ => WorkerAsync(cancellationToken)).ToList();
        var listeners = new List<Task>();
        if (events is not null)
        {
            listeners.Add(ListenAsync(events, StartupSubject, StartupIdentity, "event", cancellationToken));
            listeners.Add(ListenAsync(events, ProvisioningConfig.RegistrationSubject, RegistrationIdentity, "registration", cancellationToken));
        }

        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await DiscoverAsync(cancellationToken);
                await Task.Delay(_options.Interval, _clock, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }

        _queue.Writer.TryComplete();
        await Task.WhenAll([.. workers, .. listeners]);
    }

    /// <summary>One discovery round: every node with the <c>choria_provision</c> agent in the provisioning collective.</summary>
    public async Task DiscoverAsync(CancellationToken cancellationToken)
    {
        try
        {
            var filter = ChoriaClient.WithAgentFilter(new Filter(), "choria_provision");
            var found = await _client.DiscoverAsync(new DiscoveryOptions { Collective = ProvisioningConfig.Collective, Filter = filter }, cancellationToken);
            LogDiscovered(found.Nodes.Count);
            foreach (var node in found.Nodes)
            {
                Enqueue(node, "discovery", announced: false);
            }
        }
        catch (Exception e) when (e is ChoriaClientException or InvalidOperationException)
        {
            LogDiscoveryFailed(e.Message);
        }
    }

    /// <summary>
    /// Queues <paramref name="identity"/> unless it is queued or being provisioned, waits for a retry, or was just told
    /// to restart. A node announcing itself (startup event) skips the waits: it has just (re)started.
    /// </summary>
    public bool Enqueue(string identity, string source, bool announced)
    {
        var now = _clock.GetUtcNow();
        lock (_lock)
        {
            if (!_nodes.TryGetValue(identity, out var state))
            {
                _nodes[identity] = state = new NodeState();
            }

            if (state.Busy || (!announced && now < state.NotBefore))
            {
                return false;
            }

            state.Busy = true;
        }

        _metrics.Discovered.WithLabels(source).Inc();
        LogQueued(identity, source);
        return _queue.Writer.TryWrite(identity);
    }

    private async Task WorkerAsync(CancellationToken cancellationToken)
    {
        await foreach (var identity in _queue.Reader.ReadAllAsync(CancellationToken.None))
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            _metrics.BusyWorkers.Inc();
            try
            {
                LogProvisioning(identity);
                await _provision(identity, cancellationToken);
                Done(identity, failed: false);
                _metrics.Provisioned.Inc();
                LogProvisioned(identity);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                var reason = e switch
                {
                    HelperException h => h.Reason,
                    ProvisionStepException s => s.Step,
                    _ => "other",
                };
                _metrics.Errors.WithLabels(reason).Inc();
                var delay = Done(identity, failed: true);
                LogFailed(identity, reason, e.Message, delay.TotalSeconds);
            }
            finally
            {
                _metrics.BusyWorkers.Dec();
            }
        }
    }

    /// <summary>Records the outcome and returns how long the node is left alone.</summary>
    private TimeSpan Done(string identity, bool failed)
    {
        lock (_lock)
        {
            var state = _nodes[identity];
            state.Busy = false;
            if (!failed)
            {
                ProvisionedCount++;
                state.Failures = 0;
                state.NotBefore = _clock.GetUtcNow() + _options.RestartGrace;
                return _options.RestartGrace;
            }

            state.Failures++;
            var delay = TimeSpan.FromTicks(Math.Min(_options.MaxRetryDelay.Ticks, _options.RetryDelay.Ticks * (1L << Math.Min(state.Failures - 1, 20))));
            state.NotBefore = _clock.GetUtcNow() + delay;
            return delay;
        }
    }

    private async Task ListenAsync(ChoriaConnection connection, string subject, Func<ReadOnlyMemory<byte>, string?> identityOf, string source, CancellationToken cancellationToken)
    {
        try
        {
            await using var subscription = await connection.SubscribeAsync(subject, cancellationToken: cancellationToken);
            await foreach (var message in subscription.ReadAllAsync(cancellationToken))
            {
                if (identityOf(message.Data) is { Length: > 0 } identity)
                {
                    Enqueue(identity, source, announced: source == "event");
                }
                else
                {
                    LogUnreadable(subject);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    internal static string? StartupIdentity(ReadOnlyMemory<byte> data) =>
        LifecycleEvent.TryParse(data.Span, out var parsed, out _) ? parsed.Event.Identity : null;

    /// <summary>Registration data arrives as a Choria message; its sender is <c>headers.mc_sender</c>.</summary>
    internal static string? RegistrationIdentity(ReadOnlyMemory<byte> data)
    {
        try
        {
            using var doc = JsonDocument.Parse(data);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("headers", out var headers) && headers.ValueKind == JsonValueKind.Object
                && headers.TryGetProperty("mc_sender", out var sender) && sender.ValueKind == JsonValueKind.String
                ? sender.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed class NodeState
    {
        public bool Busy { get; set; }

        public int Failures { get; set; }

        public DateTimeOffset NotBefore { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Discovered {Count} nodes waiting to be provisioned")]
    private partial void LogDiscovered(int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Discovery of nodes to provision failed: {Error}")]
    private partial void LogDiscoveryFailed(string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queued {Identity} for provisioning ({Source})")]
    private partial void LogQueued(string identity, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "Provisioning {Identity}")]
    private partial void LogProvisioning(string identity);

    [LoggerMessage(Level = LogLevel.Information, Message = "Provisioning {Identity}: {Step}")]
    private partial void LogStep(string identity, string step);

    [LoggerMessage(Level = LogLevel.Information, Message = "Provisioned {Identity}, it is restarting into its new configuration")]
    private partial void LogProvisioned(string identity);

    [LoggerMessage(Level = LogLevel.Error, Message = "Provisioning {Identity} failed at {Reason}: {Error}; retrying in {Seconds}s")]
    private partial void LogFailed(string identity, string reason, string error, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring a message on {Subject} that names no node")]
    private partial void LogUnreadable(string subject);
}
