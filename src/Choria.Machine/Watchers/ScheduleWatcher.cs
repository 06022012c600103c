using System.Text.Json;
using Choria.Machine.Manifest;
using Choria.Machine.Runtime;
using Cronos;
using Microsoft.Extensions.Logging;

namespace Choria.Machine.Watchers;

/// <summary>
/// A cron-driven window (docs/machines.md, "schedule"): each activation of any of its 5-field cron specs turns it
/// "on" for <c>duration</c> (overlaps are counted); it reports changes of on/off through the success and fail
/// transitions. States: unknown, off, on, skipped.
/// </summary>
internal sealed partial class ScheduleWatcher : Watcher
{
    public const string Kind = "schedule";

    /// <summary>
    /// The longest an idle watcher sleeps. It otherwise sleeps until its next activation or window end (a thousand
    /// machines must not wake a node every 500 ms), so this bounds how long a wall clock jump goes unnoticed.
    /// </summary>
    internal static readonly TimeSpan MaxSleep = TimeSpan.FromSeconds(5);

    /// <summary>Timers may fire a hair early; the shortest sleep keeps that from becoming a busy loop.</summary>
    private static readonly TimeSpan s_minSleep = TimeSpan.FromMilliseconds(20);

    /// <summary>A wall clock jump larger than this re-plans the next activations instead of firing what was skipped.</summary>
    private static readonly TimeSpan s_jump = TimeSpan.FromMinutes(1);

    private readonly TimeSpan _duration;
    private readonly List<CronExpression> _schedules;
    private readonly DateTimeOffset?[] _next;
    private readonly List<DateTimeOffset> _activeUntil = [];
    private readonly TimeZoneInfo _zone;
    private volatile string _state = "unknown";
    private string _reported = "unknown";
    private DateTimeOffset _lastWall;
    private long _lastMonotonic;
    private long _lastCheckUnixMs;

    public ScheduleWatcher(WatcherSpec spec, MachineInstance machine, TimeZoneInfo? zone = null)
        : base(spec, machine)
    {
        _duration = spec.Properties.Duration("duration") ?? TimeSpan.Zero;
        _schedules = Parse(spec);
        _next = new DateTimeOffset?[_schedules.Count];
        _zone = zone ?? TimeZoneInfo.Local;
    }

    public override string StateName => _state;

    /// <summary>Time of the next activation of each schedule, as planned.</summary>
    internal IReadOnlyList<DateTimeOffset?> NextActivations => _next;

    /// <summary>The wall clock time of the last check.</summary>
    internal DateTimeOffset LastCheck => DateTimeOffset.FromUnixTimeMilliseconds(Volatile.Read(ref _lastCheckUnixMs));

    public static void Check(WatcherSpec spec)
    {
        if (spec.Properties.Duration("duration") is not { } d || d <= TimeSpan.Zero)
        {
            throw spec.Properties.Error("duration", "is required and must be more than 0s");
        }

        Parse(spec);
    }

    private static List<CronExpression> Parse(WatcherSpec spec)
    {
        var specs = spec.Properties.StringList("schedules");
        if (specs.Count == 0)
        {
            throw spec.Properties.Error("schedules", "must list at least one cron schedule");
        }

        var result = new List<CronExpression>();
        foreach (var s in specs)
        {
            if (s.TrimStart().StartsWith('@') || s.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length != 5)
            {
                throw spec.Properties.Error("schedules", $"'{s}' is not a 5 field cron schedule (minute hour day-of-month month day-of-week)");
            }

            try
            {
                result.Add(CronExpression.Parse(s, CronFormat.Standard));
            }
            catch (CronFormatException e)
            {
                throw spec.Properties.Error("schedules", $"'{s}' is not a valid cron schedule: {e.Message}");
            }
            catch (MissingSeedException)
            {
                // Cronos reads H as a hashed (jittered) value; standard cron, and so Choria's schedules, have no H.
                throw spec.Properties.Error("schedules", $"'{s}' is not a valid cron schedule: H (hashed) fields are not supported");
            }
        }

        return result;
    }

    public override Task RunAsync(CancellationToken cancellationToken)
    {
        Plan(Clock.GetUtcNow());
        return LoopWithWaitAsync(NextWait, TickAsync, cancellationToken);
    }

    private void Plan(DateTimeOffset now)
    {
        for (var i = 0; i < _schedules.Count; i++)
        {
            _next[i] = _schedules[i].GetNextOccurrence(now, _zone);
        }

        Checked(now);
    }

    private void Checked(DateTimeOffset now)
    {
        _lastWall = now;
        _lastMonotonic = Clock.GetTimestamp();
        Volatile.Write(ref _lastCheckUnixMs, now.ToUnixTimeMilliseconds());
    }

    /// <summary>Until the next activation or window end, at most <see cref="MaxSleep"/>.</summary>
    private TimeSpan NextWait()
    {
        var now = Clock.GetUtcNow();
        var wake = now + MaxSleep;
        foreach (var next in _next)
        {
            if (next is { } n && n < wake)
            {
                wake = n;
            }
        }

        foreach (var until in _activeUntil)
        {
            if (until < wake)
            {
                wake = until;
            }
        }

        var wait = wake - now;
        return wait < s_minSleep ? s_minSleep : wait;
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        // A jump is the wall clock moving unlike the monotonic one, however long the watcher slept.
        var now = Clock.GetUtcNow();
        var expected = _lastWall + Clock.GetElapsedTime(_lastMonotonic);
        if (now < expected - s_jump || now > expected + s_jump)
        {
            LogClockJump(Logger, Machine.Name, Name, expected, now);
            Plan(now);
        }

        Checked(now);
        for (var i = 0; i < _schedules.Count; i++)
        {
            if (_next[i] is { } due && now >= due)
            {
                _activeUntil.Add(due + _duration);
                _next[i] = _schedules[i].GetNextOccurrence(now, _zone);
                LogActivated(Logger, Machine.Name, Name, _activeUntil.Count);
            }
        }

        var ended = _activeUntil.RemoveAll(until => now >= until);
        if (_activeUntil.Count > 0)
        {
            _state = "on";
        }
        else if (ended > 0 || _state == "on")
        {
            _state = "off";
        }

        var current = ShouldWatch() ? _state : "skipped";
        if (current == _reported)
        {
            return;
        }

        _reported = current;
        if (current == "skipped")
        {
            Machine.Metrics.WatcherState(Machine.Name, Name, Type, current);
            return;
        }

        Announce();
        await (current == "on" ? SuccessTransitionAsync(cancellationToken) : FailureTransitionAsync(cancellationToken));
    }

    protected override void WriteStateFields(Utf8JsonWriter writer) => writer.WriteString("state", _state);

    protected override string Summary() => $"state: {_state}";

    [LoggerMessage(Level = LogLevel.Information, Message = "Machine {Machine} watcher {Watcher} activated ({Count} active windows)")]
    private static partial void LogActivated(ILogger logger, string machine, string watcher, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Machine {Machine} watcher {Watcher}: the clock jumped from {From} to {To}, planning the schedules again")]
    private static partial void LogClockJump(ILogger logger, string machine, string watcher, DateTimeOffset from, DateTimeOffset to);
}
