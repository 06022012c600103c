using System.Runtime.CompilerServices;
using System.Threading.Channels;
using NATS.Client.Core;

namespace Choria.Connector;

/// <summary>
/// A subscription's bounded buffer of messages. It reads NATS.Net's own channel directly (no
/// second queue); messages the buffer could not hold are counted in <see cref="Dropped"/>.
/// </summary>
public sealed class ChoriaSubscription : IAsyncDisposable
{
    private readonly INatsSub<ReadOnlyMemory<byte>> _sub;
    private readonly Action<ChoriaSubscription> _onDispose;
    private readonly TrafficCounters? _traffic;
    private long _dropped;
    private int _disposed;

    internal ChoriaSubscription(INatsSub<ReadOnlyMemory<byte>> sub, int capacity, BoundedChannelFullMode fullMode, Action<ChoriaSubscription> onDispose, TrafficCounters? traffic = null)
    {
        _sub = sub;
        _traffic = traffic;
        _onDispose = onDispose;
        Capacity = capacity;
        FullMode = fullMode;
    }

    public string Subject => _sub.Subject;

    public string? QueueGroup => _sub.QueueGroup;

    public int Capacity { get; }

    public BoundedChannelFullMode FullMode { get; }

    /// <summary>Messages discarded because the buffer was full (slow consumer).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Messages currently buffered.</summary>
    public int Pending => _sub.Msgs.CanCount ? _sub.Msgs.Count : 0;

    internal NatsSubBase Inner => (NatsSubBase)_sub;

    internal void CountDropped() => Interlocked.Increment(ref _dropped);

    /// <summary>Waits until a message can be read; false once the subscription has ended.</summary>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) =>
        _sub.Msgs.WaitToReadAsync(cancellationToken);

    public bool TryRead(out ChoriaMessage message)
    {
        if (_sub.Msgs.TryRead(out var msg))
        {
            message = new ChoriaMessage(msg.Subject, msg.ReplyTo, msg.Data);
            _traffic?.Received(msg.Data.Length);
            return true;
        }

        message = default;
        return false;
    }

    public async IAsyncEnumerable<ChoriaMessage> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (TryRead(out var message))
            {
                yield return message;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _onDispose(this);
        await _sub.DisposeAsync().ConfigureAwait(false);
    }
}
