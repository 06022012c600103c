namespace Choria.Protocol.Tests;

internal sealed class TestClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public static TestClock AtUnix(double seconds) => new(DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond)));

    public override DateTimeOffset GetUtcNow() => Now;
}
