using System.Threading.Channels;
using Choria.Connector;

namespace Choria.Client;

/// <summary>
/// The replies to one request, read by one loop. With one receiver connection it reads that
/// subscription directly; with several (docs/client.md <c>--workers</c>) each receiver's
/// queue-group subscription is pumped into one bounded channel, so the broker spreads replies over
/// several sockets while the collector stays single-threaded.
/// </summary>
internal sealed class ReplyInbox : IAsyncDisposable
{
    private readonly IReadOnlyList<ChoriaSubscription> _subscriptions;
    private readonly ChoriaSubscription? _single;
    private readonly Channel<ChoriaMessage>? _merged;
    private readonly CancellationTokenSource? _stop;
    private readonly Task? _pumps;

    public ReplyInbox(IReadOnlyList<ChoriaSubscription> subscriptions, int capacity)
    {
        _subscriptions = subscriptions;
        if (subscriptions.Count == 1)
        {
            _single = subscriptions[0];
            return;
        }

        _merged = Channel.CreateBounded<ChoriaMessage>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        _stop = new CancellationTokenSource();
        _pumps = PumpAllAsync(_merged.Writer, _stop.Token);
    }

    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) =>
        _single?.WaitToReadAsync(cancellationToken) ?? _merged!.Reader.WaitToReadAsync(cancellationToken);

    public bool TryRead(out ChoriaMessage message)
    {
        if (_single is not null)
        {
            return _single.TryRead(out message);
        }

        return _merged!.Reader.TryRead(out message);
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop is not null)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }

        foreach (var subscription in _subscriptions)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }

        if (_pumps is not null)
        {
            await _pumps.ConfigureAwait(false);
        }

        _stop?.Dispose();
    }

    private async Task PumpAllAsync(ChannelWriter<ChoriaMessage> writer, CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(_subscriptions.Select(s => Task.Run(() => PumpAsync(s, writer, cancellationToken), CancellationToken.None))).ConfigureAwait(false);
        }
        finally
        {
            writer.TryComplete();
        }
    }

    private static async Task PumpAsync(ChoriaSubscription subscription, ChannelWriter<ChoriaMessage> writer, CancellationToken cancellationToken)
    {
        try
        {
            while (await subscription.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (subscription.TryRead(out var message))
                {
                    await writer.WriteAsync(message, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
