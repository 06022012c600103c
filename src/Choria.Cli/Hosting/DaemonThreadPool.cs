namespace Choria.Cli.Hosting;

/// <summary>
/// Thread pool tuning for <c>choria server run</c>, set before the pool starts its first worker.
/// </summary>
/// <remarks>
/// An idle pool worker that gets work spins (yielding the CPU some seventy times) before it sleeps again, in case more
/// work follows. A node gets one request now and then: every request paid ~100 context switches and about a fifth of
/// its CPU in that spinning (bench/RESULTS.md, "Issue 25"), and on a host running many servers, or a busy one, the
/// spinning takes the CPU from the processes that have work. The client and the broker keep the default: they move
/// bursts of messages, where the spin saves a wake-up per message.
/// </remarks>
internal static class DaemonThreadPool
{
    // The runtime reads this setting (or DOTNET_ThreadPool_UnfairSemaphoreSpinLimit) once, when it creates the pool's
    // first worker thread; an operator's environment variable still wins.
    private const string SpinLimit = "System.Threading.ThreadPool.UnfairSemaphoreSpinLimit";

    public static void ConfigureFor(string[] args)
    {
        if (args is ["server", "run", ..] && Environment.GetEnvironmentVariable("DOTNET_ThreadPool_UnfairSemaphoreSpinLimit") is null)
        {
            AppContext.SetData(SpinLimit, 0);
        }
    }
}
