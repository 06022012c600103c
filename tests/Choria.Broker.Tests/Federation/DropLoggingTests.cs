using Choria.Broker.Federation;
using Choria.Framework.Logging;

namespace Choria.Broker.Tests.Federation;

public sealed class DropLoggingTests
{
    private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(10);

    [Fact]
    public void The_first_event_of_each_key_is_logged_and_repeats_wait_for_the_interval()
    {
        var clock = TestClock.AtUnix(1_700_000_000);
        var throttle = new LogThrottle(2, s_interval, clock);

        Assert.True(throttle.ShouldLog(0, out var suppressed));
        Assert.Equal(0, suppressed);
        Assert.False(throttle.ShouldLog(0, out _));
        Assert.False(throttle.ShouldLog(0, out _));
        Assert.True(throttle.ShouldLog(1, out _));

        clock.AdvanceMonotonic(s_interval);
        Assert.True(throttle.ShouldLog(0, out suppressed));
        Assert.Equal(2, suppressed);
        Assert.False(throttle.ShouldLog(0, out _));
    }

    [Fact]
    public void Racing_threads_log_once_per_interval_and_every_other_event_is_suppressed()
    {
        var clock = TestClock.AtUnix(1_700_000_000);
        var throttle = new LogThrottle(1, s_interval, clock);
        var logged = 0;
        Parallel.For(0, 10_000, _ =>
        {
            if (throttle.ShouldLog(0, out _))
            {
                Interlocked.Increment(ref logged);
            }
        });

        Assert.Equal(1, logged);
        clock.AdvanceMonotonic(s_interval);
        Assert.True(throttle.ShouldLog(0, out var suppressed));
        Assert.Equal(9_999, suppressed);
    }

    [Fact]
    public void The_drop_tracker_counts_every_drop_and_logs_through_the_throttle()
    {
        var clock = TestClock.AtUnix(1_700_000_000);
        var logger = new CapturingLogger();
        var drops = new DropTracker(logger, "Federation broker test", ["Malformed", "QueueFull"], s_interval, clock);

        for (var i = 0; i < 5; i++)
        {
            drops.Drop(1, "work queue is full");
        }

        drops.Drop(0, "not JSON");
        Assert.Equal(5, drops.Count(1));
        Assert.Equal(6, drops.Total);
        Assert.Equal(2, logger.Entries.Count);

        clock.AdvanceMonotonic(s_interval);
        drops.Drop(1, "work queue is full");
        Assert.Equal(3, logger.Entries.Count);
        Assert.Equal(
            "Federation broker test discarded a message (QueueFull): work queue is full; 6 discarded for this reason so far",
            logger.Entries.Last().Message);
    }
}
