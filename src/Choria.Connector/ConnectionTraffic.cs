namespace Choria.Connector;

/// <summary>Messages and bytes received and sent, the nats.go <c>Statistics</c> equivalent.</summary>
public sealed record ConnectionTraffic(long InMsgs, long OutMsgs, long InBytes, long OutBytes);

/// <summary>
/// Traffic counted by this connector because NATS.Net keeps its own statistics internal. Received messages are
/// counted when a subscriber reads them (payload bytes only), sent ones when NATS.Net accepted the publish.
/// </summary>
internal sealed class TrafficCounters
{
    private long _inMsgs;
    private long _outMsgs;
    private long _inBytes;
    private long _outBytes;

    public void Received(int bytes)
    {
        Interlocked.Increment(ref _inMsgs);
        Interlocked.Add(ref _inBytes, bytes);
    }

    public void Sent(int bytes)
    {
        Interlocked.Increment(ref _outMsgs);
        Interlocked.Add(ref _outBytes, bytes);
    }

    public ConnectionTraffic Snapshot() =>
        new(Interlocked.Read(ref _inMsgs), Interlocked.Read(ref _outMsgs), Interlocked.Read(ref _inBytes), Interlocked.Read(ref _outBytes));
}
