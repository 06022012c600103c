using System.Text;

namespace Choria.Client;

/// <summary>
/// The RPC receive loop's state: decodes and verifies each reply, de-duplicates by sender, keeps
/// the result list and aggregates, and wakes waiters when the expected nodes have all answered.
/// Only the receive loop mutates it; waiters read counts under <see cref="_gate"/>.
/// </summary>
internal sealed class ReplyCollector
{
    private readonly byte[] _requestId;
    private readonly HashSet<string> _expected;
    private readonly HashSet<string> _responded = new(StringComparer.Ordinal);
    private readonly List<RpcReply> _replies;
    private readonly List<string> _unexpected = [];
    private readonly Aggregator _aggregator;
    private readonly Action<RpcReply>? _onReply;
    private readonly TimeProvider _clock;
    private readonly Lock _gate = new();
    private int _expectedResponded;
    private int _target = int.MaxValue;
    private TaskCompletionSource? _waiter;

    public ReplyCollector(string requestId, IEnumerable<string> expected, Aggregator aggregator, Action<RpcReply>? onReply, TimeProvider clock)
    {
        _requestId = Encoding.UTF8.GetBytes(requestId);
        _expected = new HashSet<string>(expected, StringComparer.Ordinal);
        _replies = new List<RpcReply>(_expected.Count);
        _aggregator = aggregator;
        _onReply = onReply;
        _clock = clock;
    }

    public int Ok { get; private set; }

    public int Failed { get; private set; }

    public int Rejected { get; private set; }

    public IReadOnlyList<RpcReply> Replies => _replies;

    public IReadOnlyList<string> Unexpected => _unexpected;

    public IReadOnlySet<string> Responded => _responded;

    public int ExpectedResponded
    {
        get
        {
            lock (_gate)
            {
                return _expectedResponded;
            }
        }
    }

    public async Task RunAsync(ReplyInbox subscription, CancellationToken cancellationToken)
    {
        try
        {
            while (await subscription.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (subscription.TryRead(out var message))
                {
                    Process(message.Data.Span);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Handles one raw NATS payload; returns what happened to it.</summary>
    public ReplyRejection Process(ReadOnlySpan<byte> payload)
    {
        var rejection = ReplyDecoder.TryDecode(payload, _requestId, out var verified);
        if (rejection != ReplyRejection.None)
        {
            Rejected++;
            return rejection;
        }

        try
        {
            if (!_responded.Add(verified.Sender))
            {
                return ReplyRejection.None;
            }

            var reply = ReplyBody.Parse(verified.Sender, verified.Body.AsSpan(0, verified.BodyLength), _clock.GetUtcNow());
            _replies.Add(reply);
            if (reply.Ok)
            {
                Ok++;
            }
            else
            {
                Failed++;
            }

            _aggregator.Add(reply);
            if (_expected.Contains(reply.Sender))
            {
                TaskCompletionSource? wake = null;
                lock (_gate)
                {
                    _expectedResponded++;
                    if (_expectedResponded >= _target)
                    {
                        wake = _waiter;
                        _waiter = null;
                    }
                }

                wake?.TrySetResult();
            }
            else
            {
                _unexpected.Add(reply.Sender);
            }

            _onReply?.Invoke(reply);
            return ReplyRejection.None;
        }
        finally
        {
            ReplyDecoder.Return(verified.Body);
        }
    }

    /// <summary>Waits until <paramref name="target"/> expected nodes answered or <paramref name="timeout"/> passed.</summary>
    public async Task WaitForAsync(int target, TimeSpan timeout, CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_gate)
        {
            if (_expectedResponded >= target)
            {
                return;
            }

            _target = target;
            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiter = waiter;
        }

        try
        {
            await waiter.Task.WaitAsync(timeout, _clock, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }
}
