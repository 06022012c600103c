namespace Choria.Connector.Tests;

public class BackoffTests
{
    [Fact]
    public void Tables_match_choria()
    {
        Assert.Equal(11, Backoff.FiveSec.Steps);
        Assert.Equal(44, Backoff.TwentySec.Steps);
        Assert.Equal(TimeSpan.FromMilliseconds(750), Backoff.FiveSec.BaseDuration(1));
        Assert.Equal(TimeSpan.FromSeconds(5), Backoff.FiveSec.BaseDuration(10));
        Assert.Equal(TimeSpan.FromSeconds(5), Backoff.FiveSec.BaseDuration(1000));
        Assert.Equal(TimeSpan.FromSeconds(20), Backoff.TwentySec.BaseDuration(43));
        Assert.Same(Backoff.FiveSec, Backoff.Default);
    }

    [Theory]
    [InlineData(0, 500)]
    [InlineData(1, 750)]
    [InlineData(5, 2500)]
    [InlineData(99, 5000)]
    public void Jitter_stays_within_half_to_one_and_a_half(int step, int baseMs)
    {
        var rnd = new Random(7);
        var min = double.MaxValue;
        var max = 0.0;
        for (var i = 0; i < 2000; i++)
        {
            var ms = Backoff.FiveSec.Duration(step, rnd).TotalMilliseconds;
            min = Math.Min(min, ms);
            max = Math.Max(max, ms);
        }

        Assert.InRange(min, baseMs / 2.0, baseMs * 0.55);
        Assert.InRange(max, baseMs * 1.45, (baseMs * 1.5) - 1);
    }
}
