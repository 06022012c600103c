using System.Text.Json;
using Choria.Machine.Manifest;
using Choria.Machine.Runtime;
using Microsoft.Extensions.Logging;

namespace Choria.Machine.Watchers;

/// <summary>
/// Starts a timer each time the machine enters one of its states and fires the fail transition when it runs out
/// (docs/machines.md, "timer"); leaving the states stops it early. States: stopped, running.
/// </summary>
internal sealed partial class TimerWatcher : Watcher
{
    public const string Kind = "timer";

    private readonly TimeSpan _timer;
    private readonly Lock _lock = new();
    private CancellationTokenSource? _running;
    private volatile string _state = "stopped";

    public TimerWatcher(WatcherSpec spec, MachineInstance machine)
        : base(spec, machine)
    {
        var timer = Max(spec.Properties.Duration("timer") ?? TimeSpan.Zero, TimeSpan.FromSeconds(1));
        _timer = spec.Properties.Bool("splay") ? TimeSpan.FromMilliseconds(machine.Context.Random((int)Math.Min(int.MaxValue, timer.TotalMilliseconds))) : timer;
    }

    public override string StateName => _state;

    public TimeSpan Timer => _timer;

    public static void Check(WatcherSpec spec)
    {
        if (spec.SuccessTransition.Length > 0)
        {
            throw new ManifestException($"watcher {spec.Name}: timer watcher does not support success events");
        }

        if (spec.Properties.Duration("timer") is null)
        {
            throw spec.Properties.Error("timer", "is required");
        }

        spec.Properties.Bool("splay");
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    public override async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await LoopAsync(null, StateChangedAsync, cancellationToken);
        }
        finally
        {
            Cancel();
        }
    }

    private Task StateChangedAsync(CancellationToken cancellationToken)
    {
        if (!ShouldWatch())
        {
            if (Cancel())
            {
                LogStoppedEarly(Logger, Machine.Name, Name, Machine.State);
                _state = "stopped";
                Announce();
            }

            return Task.CompletedTask;
        }

        CancellationToken token;
        lock (_lock)
        {
            _running?.Cancel();
            _running?.Dispose();
            _running = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            token = _running.Token;
        }

        _state = "running";
        LogStarted(Logger, Machine.Name, Name, _timer.TotalSeconds);
        Announce();
        _ = ExpireAsync(token, cancellationToken);
        return Task.CompletedTask;
    }

    private async Task ExpireAsync(CancellationToken token, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(_timer, Clock, token);
            lock (_lock)
            {
                if (token.IsCancellationRequested)
                {
                    return;
                }

                _running?.Dispose();
                _running = null;
            }

            _state = "stopped";
            Announce();
            await FailureTransitionAsync(stopping);
        }
        catch (OperationCanceledException)
        {
            // Reset, stopped early or machine stopping.
        }
        catch (ObjectDisposedException)
        {
            // Reset while expiring.
        }
    }

    private bool Cancel()
    {
        lock (_lock)
        {
            if (_running is null)
            {
                return false;
            }

            _running.Cancel();
            _running.Dispose();
            _running = null;
            return true;
        }
    }

    protected override void WriteStateFields(Utf8JsonWriter writer)
    {
        writer.WriteString("state", _state);
        writer.WriteNumber("timer", _timer.Ticks * 100);
    }

    protected override string Summary() => $"state: {_state} with {_timer.TotalSeconds}s timer";

    [LoggerMessage(Level = LogLevel.Information, Message = "Machine {Machine} watcher {Watcher}: starting a {Seconds}s timer")]
    private static partial void LogStarted(ILogger logger, string machine, string watcher, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Machine {Machine} watcher {Watcher}: stopping the timer early on the transition to {State}")]
    private static partial void LogStoppedEarly(ILogger logger, string machine, string watcher, string state);
}
