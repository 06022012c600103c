using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Choria.Testing;

/// <summary>
/// A TCP relay on 127.0.0.1 that sits between a client or server and nats-server and misbehaves on command:
/// latency, a bandwidth limit, stalls, cuts, black holes and refused connections (docs/adr/0014-fault-proxy.md).
/// This kernel has no <c>netem</c> and Debian has no toxiproxy, so the fault tests point <c>middleware_hosts</c>
/// at <see cref="Port"/> and steer the faults from the test. Faults apply to current and new connections alike.
/// TLS passes through untouched: the proxy only moves bytes.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private const int ChunkSize = 16 * 1024;
    private readonly TcpListener _listener;
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Link> _links = [];
    private readonly Lock _lock = new();
    private readonly Task _acceptLoop;
    private TaskCompletionSource _flowing = Flowing();
    private TimeSpan _latency;
    private long _bytesPerSecond;
    private bool _blackHole;
    private bool _refuse;
    private long _accepted;
    private long _forwarded;
    private long _discarded;

    private FaultProxy(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The local port clients connect to.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary><c>localhost:port</c>, for <c>plugin.choria.middleware_hosts</c> (broker certificates are for localhost).</summary>
    public string HostPort => string.Create(CultureInfo.InvariantCulture, $"localhost:{Port}");

    /// <summary>Connections accepted since the start.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Connections currently relayed (or held in a black hole).</summary>
    public int Active
    {
        get
        {
            lock (_lock)
            {
                return _links.Count;
            }
        }
    }

    /// <summary>Bytes delivered, both directions.</summary>
    public long Forwarded => Interlocked.Read(ref _forwarded);

    /// <summary>Bytes swallowed by a black hole, both directions.</summary>
    public long Discarded => Interlocked.Read(ref _discarded);

    /// <summary>Starts relaying 127.0.0.1:<see cref="Port"/> to 127.0.0.1:<paramref name="upstreamPort"/>.</summary>
    public static FaultProxy Start(int upstreamPort) => new(upstreamPort);

    /// <summary>Every chunk is delivered this long after it was read (order kept); zero for none.</summary>
    public void SetLatency(TimeSpan latency) => _latency = latency;

    /// <summary>Limits each direction of each connection to <paramref name="bytesPerSecond"/>; zero lifts the limit.</summary>
    public void SetBandwidth(long bytesPerSecond) => Interlocked.Exchange(ref _bytesPerSecond, bytesPerSecond);

    /// <summary>Stops moving bytes without closing anything: the kernel buffers fill and both sides see a silent peer. <see cref="Resume"/> delivers everything held.</summary>
    public void Stall()
    {
        lock (_lock)
        {
            if (_flowing.Task.IsCompleted)
            {
                _flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Ends a <see cref="Stall"/>.</summary>
    public void Resume()
    {
        lock (_lock)
        {
            _flowing.TrySetResult();
        }
    }

    /// <summary>
    /// A network partition: connections stay open but every byte either way is dropped, and new connections are
    /// accepted and then hear nothing. <see cref="Heal"/> ends it.
    /// </summary>
    public void BlackHole() => _blackHole = true;

    /// <summary>
    /// Ends a <see cref="BlackHole"/>. Connections that lived through it lost bytes mid-stream, so they are cut (a
    /// real peer would have given up on them too); new connections relay normally.
    /// </summary>
    public void Heal()
    {
        _blackHole = false;
        foreach (var link in Snapshot().Where(l => l.SawBlackHole))
        {
            link.Close();
        }
    }

    /// <summary>Resets every current connection (both sides see the connection closed).</summary>
    public void Cut()
    {
        foreach (var link in Snapshot())
        {
            link.Close();
        }
    }

    /// <summary>While true, new connections are closed as soon as they are accepted (a broker that is down).</summary>
    public void RefuseNew(bool refuse) => _refuse = refuse;

    /// <summary>Back to a plain relay: no latency, limit, stall or black hole; new connections accepted.</summary>
    public void Clear()
    {
        SetLatency(TimeSpan.Zero);
        SetBandwidth(0);
        RefuseNew(false);
        Resume();
        Heal();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
        try
        {
            await _acceptLoop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopping.
        }

        _stop.Dispose();
    }

    private static TaskCompletionSource Flowing()
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        tcs.SetResult();
        return tcs;
    }

    private List<Link> Snapshot()
    {
        lock (_lock)
        {
            return [.. _links];
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            if (_refuse)
            {
                accepted.Close(0);
                continue;
            }

            _ = Task.Run(() => RelayAsync(accepted));
        }
    }

    private async Task RelayAsync(Socket downstream)
    {
        var link = new Link(downstream);
        lock (_lock)
        {
            _links.Add(link);
        }

        try
        {
            // A connection born inside a black hole never reaches the broker: it just hears nothing.
            while (_blackHole && !link.Closed)
            {
                link.SawBlackHole = true;
                await DrainAsync(downstream, link.Token);
            }

            if (link.Closed)
            {
                return;
            }

            link.Upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await link.Upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort, link.Token);
            downstream.NoDelay = true;
            await Task.WhenAll(PumpAsync(link, downstream, link.Upstream), PumpAsync(link, link.Upstream, downstream));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or ChannelClosedException)
        {
            // The link was cut or one side closed.
        }
        finally
        {
            link.Dispose();
            lock (_lock)
            {
                _links.Remove(link);
            }
        }
    }

    /// <summary>Reads and drops what a black-holed connection sends while the black hole lasts.</summary>
    private async Task DrainAsync(Socket socket, CancellationToken ct)
    {
        var buffer = new byte[ChunkSize];
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(ct);
        poll.CancelAfter(TimeSpan.FromMilliseconds(100));
        try
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, poll.Token);
            if (n == 0)
            {
                throw new SocketException((int)SocketError.ConnectionReset);
            }

            Interlocked.Add(ref _discarded, n);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Poll again: the black hole may have been healed.
        }
    }

    /// <summary>
    /// One direction: a reader stamps each chunk with its due time (now + latency) into a queue, a writer delivers
    /// chunks at their due time, paced by the bandwidth limit and held by stalls, or drops them in a black hole.
    /// </summary>
    private async Task PumpAsync(Link link, Socket from, Socket to)
    {
        var queue = Channel.CreateUnbounded<(byte[] Data, int Length, long Due)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var reader = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    await WaitFlowingAsync(link.Token);
                    var buffer = new byte[ChunkSize];
                    var n = await from.ReceiveAsync(buffer, SocketFlags.None, link.Token);
                    if (n == 0)
                    {
                        return;
                    }

                    if (_blackHole)
                    {
                        link.SawBlackHole = true;
                        Interlocked.Add(ref _discarded, n);
                        continue;
                    }

                    await queue.Writer.WriteAsync((buffer, n, Stopwatch.GetTimestamp() + (long)(_latency.TotalSeconds * Stopwatch.Frequency)), link.Token);
                }
            }
            finally
            {
                queue.Writer.TryComplete();
            }
        });

        try
        {
            await foreach (var (data, length, due) in queue.Reader.ReadAllAsync(link.Token))
            {
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, link.Token);
                }

                await WaitFlowingAsync(link.Token);
                if (_blackHole)
                {
                    link.SawBlackHole = true;
                    Interlocked.Add(ref _discarded, length);
                    continue;
                }

                await SendPacedAsync(to, data.AsMemory(0, length), link.Token);
                Interlocked.Add(ref _forwarded, length);
            }
        }
        finally
        {
            // Half-close like a real peer so the other side sees end of stream once everything was delivered.
            try
            {
                to.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Already gone.
            }
        }

        await reader;
    }

    private async Task SendPacedAsync(Socket to, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        while (!data.IsEmpty)
        {
            var rate = Interlocked.Read(ref _bytesPerSecond);
            // Slices of about 50 ms worth of bytes keep a slow link smooth rather than bursty.
            var slice = rate > 0 ? (int)Math.Clamp(rate / 20, 1, data.Length) : data.Length;
            var sent = await to.SendAsync(data[..slice], SocketFlags.None, ct);
            data = data[sent..];
            if (rate > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(sent / (double)rate), ct);
            }
        }
    }

    private Task WaitFlowingAsync(CancellationToken ct)
    {
        Task flowing;
        lock (_lock)
        {
            flowing = _flowing.Task;
        }

        return flowing.IsCompleted ? Task.CompletedTask : flowing.WaitAsync(ct);
    }

    private sealed class Link(Socket downstream) : IDisposable
    {
        private readonly CancellationTokenSource _cut = new();
        private int _closed;

        public Socket? Upstream { get; set; }

        public bool SawBlackHole { get; set; }

        public bool Closed => Volatile.Read(ref _closed) != 0;

        public CancellationToken Token => _cut.Token;

        public void Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0)
            {
                return;
            }

            _cut.Cancel();
            // Linger 0: a reset, as when a router drops the flow, rather than an orderly close.
            downstream.Close(0);
            Upstream?.Close(0);
        }

        public void Dispose()
        {
            Close();
            _cut.Dispose();
        }
    }
}
