namespace Choria.Protocol.Messages;

/// <summary>Request validity window (docs/protocol.md).</summary>
public static class TtlWindow
{
    /// <summary>
    /// Accepts iff <c>now - ttl &lt; time &lt; now + ttl</c>, comparing at full clock resolution:
    /// <paramref name="time"/> is whole seconds but "now" is not truncated.
    /// </summary>
    public static bool IsCurrent(long time, long ttl, TimeProvider clock)
    {
        var nowTicks = (Int128)(clock.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks;
        var timeTicks = (Int128)time * TimeSpan.TicksPerSecond;
        var ttlTicks = (Int128)ttl * TimeSpan.TicksPerSecond;
        return nowTicks - ttlTicks < timeTicks && timeTicks < nowTicks + ttlTicks;
    }
}
