namespace Choria.Testing;

/// <summary>
/// The one fake clock of the tests: a settable wall clock (<see cref="Now"/>), or the system clock shifted by an
/// offset (<see cref="Shifted"/>); monotonic time runs as usual plus whatever <see cref="AdvanceMonotonic"/> added,
/// for intervals such as file rechecks that must pass without the wall clock moving.
/// </summary>
public sealed class TestClock : TimeProvider
{
    private readonly TimeSpan? _systemOffset;
    private DateTimeOffset _now;
    private long _monotonicOffset;

    public TestClock(DateTimeOffset now) => _now = now;

    private TestClock(TimeSpan systemOffset) => _systemOffset = systemOffset;

    public static TestClock AtUnix(double seconds) => new(DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond)));

    /// <summary>Follows the system clock shifted by <paramref name="offset"/> (negative: requests made in the past).</summary>
    public static TestClock Shifted(TimeSpan offset) => new(offset);

    public DateTimeOffset Now
    {
        get => _systemOffset is { } offset ? DateTimeOffset.UtcNow + offset : _now;
        set
        {
            if (_systemOffset is not null)
            {
                throw new InvalidOperationException("a shifted clock follows the system clock and cannot be set");
            }

            _now = value;
        }
    }

    public override DateTimeOffset GetUtcNow() => Now;

    public override long GetTimestamp() => base.GetTimestamp() + Interlocked.Read(ref _monotonicOffset);

    public void AdvanceMonotonic(TimeSpan by) => Interlocked.Add(ref _monotonicOffset, (long)(by.TotalSeconds * TimestampFrequency));
}
