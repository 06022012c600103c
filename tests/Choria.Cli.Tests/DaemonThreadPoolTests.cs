using Choria.Cli.Hosting;

namespace Choria.Cli.Tests;

public sealed class DaemonThreadPoolTests
{
    private const string SpinLimit = "System.Threading.ThreadPool.UnfairSemaphoreSpinLimit";

    [Fact]
    public void Only_the_server_daemon_turns_off_the_worker_spin()
    {
        // AppContext is process-wide: the commands that must keep the default are checked first.
        foreach (var args in new[] { new[] { "ping" }, ["broker", "run"], ["req", "rpcutil", "ping"], ["server"], [] })
        {
            DaemonThreadPool.ConfigureFor(args);
            Assert.Null(AppContext.GetData(SpinLimit));
        }

        DaemonThreadPool.ConfigureFor(["server", "run", "--config", "server.conf"]);
        Assert.Equal(0, AppContext.GetData(SpinLimit));
    }
}
