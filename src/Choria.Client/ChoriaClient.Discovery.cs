using System.Text;
using Choria.Protocol.Filters;

namespace Choria.Client;

public sealed partial class ChoriaClient
{
    /// <summary>Broadcast discovery with the <c>discovery</c> agent (docs/protocol.md), strict reply checks, de-duplicated.</summary>
    public async Task<DiscoveryResult> DiscoverAsync(DiscoveryOptions options, CancellationToken cancellationToken = default)
    {
        var collective = options.Collective ?? Options.MainCollective;
        var timeout = options.Timeout ?? Options.DiscoveryTimeout;
        var request = Requests.Build("discovery", RequestFactory.PingPayload, collective, options.Filter, _connection.ConnectedServerUrl);
        var requestId = Encoding.UTF8.GetBytes(request.RequestId);
        var nodes = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var rejected = 0;
        var started = _clock.GetTimestamp();

        var subscription = await SubscribeAsync(request.ReplySubject, cancellationToken).ConfigureAwait(false);
        await using var unsubscribe = subscription.ConfigureAwait(false);
        await PublishAsync(request, "discovery", collective, null, cancellationToken).ConfigureAwait(false);

        using var overall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        overall.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var wait = subscription.WaitToReadAsync(overall.Token).AsTask();
                if (options.Window is { } window && nodes.Count > 0)
                {
                    if (await Task.WhenAny(wait, Task.Delay(window, _clock, overall.Token)).ConfigureAwait(false) != wait)
                    {
                        break;
                    }
                }

                if (!await wait.ConfigureAwait(false))
                {
                    break;
                }

                while (subscription.TryRead(out var message))
                {
                    var rejection = ReplyDecoder.TryDecode(message.Data.Span, requestId, out var reply);
                    if (rejection != ReplyRejection.None)
                    {
                        rejected++;
                        LogRejected(_logger, rejection);
                        continue;
                    }

                    ReplyDecoder.Return(reply.Body);
                    if (seen.Add(reply.Sender))
                    {
                        nodes.Add(reply.Sender);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }

        return new DiscoveryResult(nodes, _clock.GetElapsedTime(started), rejected);
    }

    /// <summary>
    /// <c>choria ping</c>: counts every message on the reply subject by transport <c>mc_sender</c> without
    /// decoding further (docs/client.md), until <paramref name="timeout"/> or <paramref name="expect"/> replies.
    /// </summary>
    public async Task<IReadOnlyList<PingReply>> PingAsync(string? collective, Filter filter, TimeSpan timeout, int expect = 0, Action<PingReply>? onReply = null, CancellationToken cancellationToken = default)
    {
        collective ??= Options.MainCollective;
        var started = _clock.GetTimestamp();
        var request = Requests.Build("discovery", RequestFactory.PingPayload, collective, filter, _connection.ConnectedServerUrl);
        var replies = new List<PingReply>();
        var subscription = await SubscribeAsync(request.ReplySubject, cancellationToken).ConfigureAwait(false);
        await using var unsubscribe = subscription.ConfigureAwait(false);
        await PublishAsync(request, "discovery", collective, null, cancellationToken).ConfigureAwait(false);

        using var overall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        overall.CancelAfter(timeout);
        try
        {
            while (await subscription.WaitToReadAsync(overall.Token).ConfigureAwait(false))
            {
                while (subscription.TryRead(out var message))
                {
                    if (message.Data.IsEmpty)
                    {
                        continue;
                    }

                    var reply = new PingReply(ReplyDecoder.ReadSender(message.Data.Span) ?? "unknown", _clock.GetElapsedTime(started));
                    replies.Add(reply);
                    onReply?.Invoke(reply);
                    if (expect > 0 && replies.Count >= expect)
                    {
                        return replies;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }

        return replies;
    }
}
