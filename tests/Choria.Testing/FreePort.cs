using System.Net;
using System.Net.Sockets;

namespace Choria.Testing;

/// <summary>TCP ports for the real processes tests start on 127.0.0.1.</summary>
public static class FreePort
{
    private static readonly HashSet<int> s_handedOut = [];

    /// <summary>
    /// A bindable port below the kernel's ephemeral range, never handed out twice in this run: an ephemeral port
    /// could become the local port of some outgoing connection before the child process binds it, and parallel
    /// test classes must not share ports.
    /// </summary>
    public static int Next()
    {
        lock (s_handedOut)
        {
            while (true)
            {
                var port = Random.Shared.Next(20000, 32000);
                if (!s_handedOut.Add(port))
                {
                    continue;
                }

                try
                {
                    using var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    return port;
                }
                catch (SocketException)
                {
                    // In use by something else; try another.
                }
            }
        }
    }

    /// <summary>Waits until something accepts TCP connections on <paramref name="port"/>; <paramref name="stillRunning"/> false fails early.</summary>
    public static async Task WaitListeningAsync(int port, TimeSpan timeout, Func<string?> stillRunning)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (stillRunning() is { } exited)
            {
                throw new InvalidOperationException($"process exited before listening on {port}: {exited}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
            catch (SocketException e)
            {
                throw new TimeoutException($"nothing listened on {port} within {timeout}: {e.Message}");
            }
        }
    }
}
