using Microsoft.Extensions.Logging;

namespace Choria.Broker.Federation;

/// <summary>
/// Counts discarded messages per reason and logs them without flooding: the first drop of each reason
/// is logged at once, later ones at most once per interval with the running total.
/// </summary>
public sealed partial class DropTracker
{
    private readonly ILogger _logger;
    private readonly string _component;
    private readonly string[] _reasons;
    private readonly long[] _counts;
    private readonly long[] _lastLogged;
    private readonly long _intervalTicks;
    private readonly TimeProvider _time;

    /// <param name="reasons">Reason names indexed by the reason's integer value.</param>
    public DropTracker(ILogger logger, string component, IReadOnlyList<string> reasons, TimeSpan logInterval, TimeProvider? time = null)
    {
        _logger = logger;
        _component = component;
        _reasons = [.. reasons];
        _counts = new long[_reasons.Length];
        _lastLogged = new long[_reasons.Length];
        _time = time ?? TimeProvider.System;
        _intervalTicks = (long)(logInterval.TotalSeconds * _time.TimestampFrequency);
        Array.Fill(_lastLogged, long.MinValue);
    }

    public long Count(int reason) => Interlocked.Read(ref _counts[reason]);

    public long Total => _counts.Sum();

    public void Drop(int reason, string detail)
    {
        var count = Interlocked.Increment(ref _counts[reason]);
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastLogged[reason]);
        if ((last == long.MinValue || now - last >= _intervalTicks)
            && Interlocked.CompareExchange(ref _lastLogged[reason], now, last) == last)
        {
            LogDropped(_logger, _component, _reasons[reason], detail, count);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Component} discarded a message ({Reason}): {Detail}; {Count} discarded for this reason so far")]
    private static partial void LogDropped(ILogger logger, string component, string reason, string detail, long count);
}
