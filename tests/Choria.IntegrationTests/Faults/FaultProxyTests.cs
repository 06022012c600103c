using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Choria.IntegrationTests.Faults;

/// <summary>The fault proxy itself, in front of a real nats-server (whose first line is its INFO).</summary>
[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class FaultProxyTests : IAsyncLifetime
{
    private NatsServerProcess _nats = null!;

    public async Task InitializeAsync() => _nats = await NatsServerProcess.StartAsync();

    public Task DisposeAsync()
    {
        _nats.Dispose();
        return Task.CompletedTask;
    }

    private static async Task<(Socket Socket, string Line, TimeSpan Took)> ConnectAndReadLineAsync(FaultProxy proxy, TimeSpan timeout)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var watch = Stopwatch.StartNew();
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, proxy.Port);
        }
        catch (SocketException)
        {
            // A refused connection can be reset before the handshake completes on our side.
            return (socket, "", watch.Elapsed);
        }

        var line = await ReadLineAsync(socket, timeout);
        return (socket, line, watch.Elapsed);
    }

    /// <summary>One line, "" when the peer closed or reset, null when nothing arrived in time.</summary>
    private static async Task<string> ReadLineAsync(Socket socket, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var text = new StringBuilder();
        var buffer = new byte[1];
        try
        {
            while (!text.ToString().EndsWith("\r\n", StringComparison.Ordinal))
            {
                if (await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) == 0)
                {
                    return "";
                }

                text.Append((char)buffer[0]);
            }
        }
        catch (SocketException)
        {
            return "";
        }
        catch (OperationCanceledException)
        {
            return "(nothing)";
        }

        return text.ToString().TrimEnd();
    }

    [Fact]
    public async Task Relays_and_adds_latency()
    {
        await using var proxy = FaultProxy.Start(_nats.Port);
        var (plain, line, _) = await ConnectAndReadLineAsync(proxy, TimeSpan.FromSeconds(5));
        plain.Dispose();
        Assert.StartsWith("INFO {", line, StringComparison.Ordinal);

        proxy.SetLatency(TimeSpan.FromMilliseconds(500));
        var (slow, delayed, took) = await ConnectAndReadLineAsync(proxy, TimeSpan.FromSeconds(5));
        using (slow)
        {
            Assert.StartsWith("INFO {", delayed, StringComparison.Ordinal);
            Assert.True(took >= TimeSpan.FromMilliseconds(450), $"took {took}");
            // Both directions: PING out and PONG back cross the proxy once each.
            var watch = Stopwatch.StartNew();
            await slow.SendAsync("CONNECT {\"verbose\":false}\r\nPING\r\n"u8.ToArray(), SocketFlags.None);
            Assert.Equal("PONG", await ReadLineAsync(slow, TimeSpan.FromSeconds(5)));
            Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(900), $"round trip {watch.Elapsed}");
        }
    }

    [Fact]
    public async Task Stall_holds_bytes_until_resumed()
    {
        await using var proxy = FaultProxy.Start(_nats.Port);
        proxy.Stall();
        var (socket, line, _) = await ConnectAndReadLineAsync(proxy, TimeSpan.FromSeconds(1));
        using (socket)
        {
            Assert.Equal("(nothing)", line);
            proxy.Resume();
            Assert.StartsWith("INFO {", await ReadLineAsync(socket, TimeSpan.FromSeconds(5)), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Cut_resets_connections_and_refuse_closes_new_ones()
    {
        await using var proxy = FaultProxy.Start(_nats.Port);
        var (socket, line, _) = await ConnectAndReadLineAsync(proxy, TimeSpan.FromSeconds(5));
        using (socket)
        {
            Assert.StartsWith("INFO {", line, StringComparison.Ordinal);
            proxy.Cut();
            Assert.Equal("", await ReadLineAsync(socket, TimeSpan.FromSeconds(5)));
        }

        proxy.RefuseNew(true);
        var (refused, nothing, _) = await ConnectAndReadLineAsync(proxy, TimeSpan.FromSeconds(5));
        refused.Dispose();
        Assert.Equal("", nothing);
        Assert.Equal(2, proxy.Accepted);
    }

    [Fact]
    public async Task Black_hole_swallows_bytes_and_heal_cuts_the_connections_that_lost_them()
    {
        await using var proxy = FaultProxy.Start(_nats.Port);
        proxy.BlackHole();
        var (socket, line, _) = await ConnectAndReadLineAsync(proxy, TimeSpan.FromSeconds(1));
        using (socket)
        {
            Assert.Equal("(nothing)", line);
            await socket.SendAsync("PING\r\n"u8.ToArray(), SocketFlags.None);
            await Task.Delay(300);
            Assert.True(proxy.Discarded >= 6);
            proxy.Heal();
            Assert.Equal("", await ReadLineAsync(socket, TimeSpan.FromSeconds(5)));
        }

        var (fresh, info, _) = await ConnectAndReadLineAsync(proxy, TimeSpan.FromSeconds(5));
        fresh.Dispose();
        Assert.StartsWith("INFO {", info, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bandwidth_limit_paces_delivery()
    {
        await using var proxy = FaultProxy.Start(_nats.Port);
        // nats-server's INFO line is several hundred bytes: at 200 B/s it takes over a second.
        proxy.SetBandwidth(200);
        var (socket, line, took) = await ConnectAndReadLineAsync(proxy, TimeSpan.FromSeconds(20));
        socket.Dispose();
        Assert.StartsWith("INFO {", line, StringComparison.Ordinal);
        Assert.True(took >= TimeSpan.FromSeconds(1), $"took {took} for {line.Length} bytes");
    }
}
