using System.Text.Json;
using System.Threading.Channels;
using Choria.Machine.Manifest;
using Choria.Machine.Notifications;
using Choria.Machine.Runtime;
using Microsoft.Extensions.Logging;

namespace Choria.Machine.Watchers;

/// <summary>
/// Base of every watcher (docs/machines.md, "Watchers"): state matching, the one-slot "state changed" signal that
/// coalesces bursts, the interval-or-state-change loops, announcements and the success/fail transitions. A check
/// that throws is logged with the machine and watcher name and the watcher carries on.
/// </summary>
public abstract partial class Watcher
{
    private readonly Channel<bool> _stateChanged = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    protected Watcher(WatcherSpec spec, MachineInstance machine)
    {
        Spec = spec;
        Machine = machine;
        Logger = machine.LoggerFor(spec.Name);
    }

    public WatcherSpec Spec { get; }

    public string Name => Spec.Name;

    public string Type => Spec.Type;

    public MachineInstance Machine { get; }

    protected ILogger Logger { get; }

    protected TimeProvider Clock => Machine.Clock;

    /// <summary>The watcher's own state name (<c>success</c>, <c>changed</c>, <c>on</c>...), reported in metrics and events.</summary>
    public abstract string StateName { get; }

    /// <summary>Runs until cancelled; never throws except for cancellation.</summary>
    public abstract Task RunAsync(CancellationToken cancellationToken);

    /// <summary>Writes this kind's own fields of its state event (after the common ones).</summary>
    protected abstract void WriteStateFields(Utf8JsonWriter writer);

    /// <summary>The event's one-line text, e.g. <c>command: ./check.sh, previous: success ran: 0.012s</c>.</summary>
    protected abstract string Summary();

    /// <summary>Asks the watcher to re-evaluate; bursts coalesce into one pending signal.</summary>
    public void Nudge() => _stateChanged.Writer.TryWrite(true);

    /// <summary>True when the machine's current state is one this watcher is active in.</summary>
    protected bool ShouldWatch() => Spec.StateMatch.Count == 0 || Spec.StateMatch.Contains(Machine.State, StringComparer.Ordinal);

    public WatcherStateNotification CurrentState() =>
        new(Machine.EventSource, Clock.GetUtcNow().ToUnixTimeSeconds(), Type, Name, Summary(), WriteStateFields);

    /// <summary>Publishes the current state and updates the watcher's state metric.</summary>
    protected void Announce()
    {
        Machine.Metrics.WatcherState(Machine.Name, Name, Type, StateName);
        Machine.NotifyWatcherState(CurrentState());
    }

    protected ValueTask SuccessTransitionAsync(CancellationToken cancellationToken) => Machine.FireAsync(Spec.SuccessTransition, Name, cancellationToken);

    protected ValueTask FailureTransitionAsync(CancellationToken cancellationToken) => Machine.FireAsync(Spec.FailTransition, Name, cancellationToken);

    /// <summary>Counts one check run in the metrics.</summary>
    protected void Ran(TimeSpan elapsed) => Machine.Metrics.WatcherRun(Machine.Name, Name, Type, elapsed);

    /// <summary>
    /// Calls <paramref name="check"/> on every <paramref name="interval"/> tick (when set) and after every state
    /// change, one at a time, until cancelled.
    /// </summary>
    protected async Task LoopAsync(TimeSpan? interval, Func<CancellationToken, Task> check, CancellationToken cancellationToken)
    {
        using var timer = interval is { } i && i > TimeSpan.Zero ? new PeriodicTimer(i, Clock) : null;
        Task<bool>? tick = null;
        Task<bool>? signal = null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                signal ??= _stateChanged.Reader.WaitToReadAsync(cancellationToken).AsTask();
                tick ??= timer?.WaitForNextTickAsync(cancellationToken).AsTask();
                var fired = tick is null ? await signal : await Task.WhenAny(signal, tick) == signal ? await signal : await tick;
                if (signal.IsCompleted)
                {
                    _stateChanged.Reader.TryRead(out _);
                    signal = null;
                }

                if (tick?.IsCompleted == true)
                {
                    tick = null;
                }

                if (!fired)
                {
                    return;
                }

                await CheckSafelyAsync(check, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Machine stopping.
        }
    }

    /// <summary>
    /// Calls <paramref name="check"/> at once, then again after the wait <paramref name="nextWait"/> names (asked
    /// after every check) or after a state change, whichever comes first, until cancelled. For watchers that know
    /// when they next have something to do, so an idle one does not wake on a fixed tick.
    /// </summary>
    protected async Task LoopWithWaitAsync(Func<TimeSpan> nextWait, Func<CancellationToken, Task> check, CancellationToken cancellationToken)
    {
        Task<bool>? signal = null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await CheckSafelyAsync(check, cancellationToken);
                signal ??= _stateChanged.Reader.WaitToReadAsync(cancellationToken).AsTask();
                using var wake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var delay = Task.Delay(nextWait(), Clock, wake.Token);
                if (await Task.WhenAny(signal, delay) != signal)
                {
                    await delay;
                    continue;
                }

                await wake.CancelAsync();
                if (!await signal)
                {
                    return;
                }

                _stateChanged.Reader.TryRead(out _);
                signal = null;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Machine stopping.
        }
    }

    /// <summary>Announces the state every <c>announce_interval</c> until cancelled.</summary>
    internal async Task AnnounceLoopAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, Clock);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                Machine.NotifyWatcherState(CurrentState());
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Machine stopping.
        }
    }

    protected async Task CheckSafelyAsync(Func<CancellationToken, Task> check, CancellationToken cancellationToken)
    {
        try
        {
            await check(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogCheckFailed(Logger, e, Machine.Name, Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Machine {Machine} watcher {Watcher} failed")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception, string machine, string watcher);
}
