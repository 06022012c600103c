using Choria.Protocol.Messages;

namespace Choria.Protocol.Tests;

public class TtlWindowTests
{
    private const long T = 1578000000;

    [Theory]
    [InlineData(-59, true)]
    [InlineData(59, true)]
    [InlineData(0, true)]
    [InlineData(-60, false)]
    [InlineData(60, false)]
    [InlineData(-3600, false)]
    public void Window_is_strict_on_both_sides(long offset, bool accepted)
    {
        Assert.Equal(accepted, TtlWindow.IsCurrent(T + offset, 60, TestClock.AtUnix(T)));
    }

    [Fact]
    public void Comparison_uses_the_full_clock_resolution()
    {
        var clock = TestClock.AtUnix(T + 0.5);
        Assert.True(TtlWindow.IsCurrent(T + 60, 60, clock));
        Assert.False(TtlWindow.IsCurrent(T - 60, 60, clock));
    }

    [Fact]
    public void Extreme_values_do_not_overflow()
    {
        Assert.False(TtlWindow.IsCurrent(long.MinValue, 60, TestClock.AtUnix(T)));
        Assert.True(TtlWindow.IsCurrent(T, long.MaxValue, TestClock.AtUnix(T)));
    }
}
