namespace Choria.Framework.Logging;

/// <summary>
/// Decides when a repeated event may be logged again, so a flood of the same failure (queue overflows, malformed
/// messages) writes one line per interval instead of one per event. It only throttles: the events themselves are
/// counted by their owners' metrics. The first event of each key is always logged.
/// </summary>
public sealed class LogThrottle
{
    private readonly long[] _loggedAt;
    private readonly long[] _suppressed;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;

    /// <param name="keys">How many independent keys (e.g. drop reasons, by their integer value) the throttle tracks.</param>
    public LogThrottle(int keys, TimeSpan interval, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(keys);
        _loggedAt = new long[keys];
        _suppressed = new long[keys];
        Array.Fill(_loggedAt, long.MinValue);
        _interval = interval;
        _time = time ?? TimeProvider.System;
    }

    public TimeSpan Interval => _interval;

    /// <summary>
    /// True when the caller should log this event now; <paramref name="suppressed"/> is then the number of events of
    /// the same key that were not logged since the previous line. Safe to call from many threads: of events racing
    /// for the same slot exactly one wins, the others are counted as suppressed.
    /// </summary>
    public bool ShouldLog(int key, out long suppressed)
    {
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _loggedAt[key]);
        if ((last != long.MinValue && _time.GetElapsedTime(last, now) < _interval)
            || Interlocked.CompareExchange(ref _loggedAt[key], now, last) != last)
        {
            Interlocked.Increment(ref _suppressed[key]);
            suppressed = 0;
            return false;
        }

        suppressed = Interlocked.Exchange(ref _suppressed[key], 0);
        return true;
    }
}
