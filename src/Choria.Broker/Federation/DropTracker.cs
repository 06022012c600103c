using Choria.Framework.Logging;
using Microsoft.Extensions.Logging;

namespace Choria.Broker.Federation;

/// <summary>
/// Counts discarded messages per reason (the per-reason totals the federation broker and the protocol adapters
/// report) and logs them through a <see cref="LogThrottle"/>: the first drop of each reason at once, later ones at
/// most once per interval with the running total.
/// </summary>
internal sealed partial class DropTracker
{
    private readonly ILogger _logger;
    private readonly string _component;
    private readonly string[] _reasons;
    private readonly long[] _counts;
    private readonly LogThrottle _throttle;

    /// <param name="reasons">Reason names indexed by the reason's integer value.</param>
    public DropTracker(ILogger logger, string component, IReadOnlyList<string> reasons, TimeSpan logInterval, TimeProvider? time = null)
    {
        _logger = logger;
        _component = component;
        _reasons = [.. reasons];
        _counts = new long[_reasons.Length];
        _throttle = new LogThrottle(_reasons.Length, logInterval, time);
    }

    public long Count(int reason) => Interlocked.Read(ref _counts[reason]);

    public long Total => _counts.Sum();

    public void Drop(int reason, string detail)
    {
        var count = Interlocked.Increment(ref _counts[reason]);
        if (_throttle.ShouldLog(reason, out _))
        {
            LogDropped(_logger, _component, _reasons[reason], detail, count);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Component} discarded a message ({Reason}): {Detail}; {Count} discarded for this reason so far")]
    private static partial void LogDropped(ILogger logger, string component, string reason, string detail, long count);
}
