namespace Choria.Broker.Network;

/// <summary>Jittered back-off tables of broker.md 7.3: step d becomes uniform in [d/2, 3d/2).</summary>
internal static class Backoff
{
    /// <summary>0.5, 0.75, then 1 s to 20 s in 0.5 s steps.</summary>
    public static readonly IReadOnlyList<int> TwentySecMillis =
        [500, 750, .. Enumerable.Range(0, 39).Select(i => 1000 + (i * 500))];

    /// <summary>Zero-based lookup: callers pass attempt counters starting at 1, so the first wait is about 0.75 s.</summary>
    public static TimeSpan TwentySec(int attempt, Random random)
    {
        var d = TwentySecMillis[Math.Clamp(attempt, 0, TwentySecMillis.Count - 1)];
        return TimeSpan.FromMilliseconds((d / 2.0) + (random.NextDouble() * d));
    }
}
