namespace Choria.Connector;

/// <summary>
/// Choria's jittered back-off tables (docs/protocol.md). Each step d is randomised uniformly into
/// [d/2, 3d/2) so that a fleet restarting together does not hammer the broker in lock step.
/// </summary>
public sealed class Backoff
{
    private readonly int[] _millis;

    private Backoff(int[] millis) => _millis = millis;

    /// <summary>Initial connect and most retry loops: 0.5 s rising to 5 s.</summary>
    public static Backoff FiveSec { get; } = new([500, 750, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500, 5000]);

    /// <summary>Reconnect delay in later Choria versions: 0.5 s rising to 20 s over 44 steps.</summary>
    public static Backoff TwentySec { get; } = new(
    [
        500, 750, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500, 5000,
        5500, 5750, 6000, 6500, 7000, 7500, 8000, 8500, 9000, 9500, 10000,
        10500, 10750, 11000, 11500, 12000, 12500, 13000, 13500, 14000, 14500, 15000,
        15500, 15750, 16000, 16500, 17000, 17500, 18000, 18500, 19000, 19500, 20000,
    ]);

    /// <summary>The default policy, as in Choria.</summary>
    public static Backoff Default => FiveSec;

    /// <summary>Number of table entries; indexes at or past the end saturate at the last one.</summary>
    public int Steps => _millis.Length;

    /// <summary>The un-jittered table entry for zero-based step <paramref name="n"/> (saturating).</summary>
    public TimeSpan BaseDuration(int n) => TimeSpan.FromMilliseconds(_millis[Math.Clamp(n, 0, _millis.Length - 1)]);

    /// <summary>
    /// Jittered delay for zero-based step <paramref name="n"/>. Callers that count attempts from 1
    /// pass the attempt number unchanged, which skips the first entry exactly like Choria does.
    /// </summary>
    public TimeSpan Duration(int n, Random? random = null)
    {
        var d = (long)BaseDuration(n).TotalMilliseconds;
        if (d == 0)
        {
            return TimeSpan.Zero;
        }

        var rnd = random ?? Random.Shared;
        return TimeSpan.FromMilliseconds((d / 2) + rnd.NextInt64(d));
    }

    /// <summary>Waits the jittered delay for step <paramref name="n"/>; throws when cancelled.</summary>
    public Task DelayAsync(int n, CancellationToken cancellationToken) =>
        Task.Delay(Duration(n), cancellationToken);
}
