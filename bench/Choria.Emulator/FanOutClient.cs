using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using Choria.Connector;
using Choria.Framework;
using Choria.Protocol.Messages;
using Choria.Protocol.Subjects;

namespace Choria.Emulator;

/// <summary>What one request is: the discovery agent's ping (<c>choria ping</c>) or <c>rpcutil#ping</c> (<c>choria req rpcutil ping</c>).</summary>
internal enum RequestKind
{
    Discovery,
    Rpcutil,
}

/// <summary>One round: time to sign and publish, publish→last reply, and the whole round including signing and collection.</summary>
internal sealed record RoundResult(int Received, double PublishMs, double LastReplyMs, double RoundMs);

/// <summary>
/// The client half of the scale runs, on the same protocol, security and connector libraries the CLI uses:
/// signs a request, publishes it once (broadcast) or once per node (direct, as <c>--nodes</c> does), and
/// decodes and hash-checks every reply, as the real client does.
/// </summary>
internal sealed class FanOutClient(ChoriaFramework framework, ChoriaConnection connection, string collective = "mcollective")
{
    public async Task<RoundResult> RoundAsync(RequestKind kind, int expected, IReadOnlyList<string>? nodes, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var (payload, replyTo, agent) = Prepare(kind);
        await using var replies = await connection.SubscribeAsync(replyTo, null, Math.Max(1024, expected * 2), BoundedChannelFullMode.Wait, cancellationToken);
        await connection.FlushAsync(cancellationToken);

        var published = watch.Elapsed;
        if (nodes is null)
        {
            await connection.PublishAsync(ChoriaSubjects.BroadcastAgent(collective, agent), payload, cancellationToken: cancellationToken);
        }
        else
        {
            foreach (var node in nodes)
            {
                await connection.PublishAsync(ChoriaSubjects.Node(collective, node), payload, cancellationToken: cancellationToken);
            }
        }

        var publishDone = watch.Elapsed;
        var received = 0;
        var last = published;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await foreach (var message in replies.ReadAllAsync(deadline.Token))
            {
                if (ProtocolDecoder.TryDecodeReply(message.Data.Span, out var reply, out _) && reply.Secure.IsHashValid())
                {
                    received++;
                    last = watch.Elapsed;
                }

                if (received >= expected)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Timed out: the round reports what arrived.
        }

        return new RoundResult(received, (publishDone - published).TotalMilliseconds, (last - published).TotalMilliseconds, watch.Elapsed.TotalMilliseconds);
    }

    /// <summary>
    /// Sustained load: one broadcast rpcutil ping every 1/<paramref name="rate"/> seconds for <paramref name="duration"/>,
    /// then waits <paramref name="grace"/> for stragglers. Latency is per reply, from its request's publish.
    /// </summary>
    public async Task<LoadResult> LoadAsync(int expected, double rate, TimeSpan duration, TimeSpan grace, CancellationToken cancellationToken)
    {
        var inbox = ChoriaSubjects.Reply(collective, framework.Certname, "*");
        var sent = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var latencies = new List<double>(capacity: (int)(expected * rate * duration.TotalSeconds * 1.1));
        var perRequest = new Dictionary<string, (int Count, double LastMs)>(StringComparer.Ordinal);
        long unknown = 0;
        long receivedCount = 0;
        await using var replies = await connection.SubscribeAsync(inbox, null, Math.Max(4096, expected * 4), BoundedChannelFullMode.Wait, cancellationToken);
        await connection.FlushAsync(cancellationToken);

        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reader = Task.Run(async () =>
        {
            try
            {
                await foreach (var message in replies.ReadAllAsync(stopReading.Token))
                {
                    var now = Stopwatch.GetTimestamp();
                    if (!ProtocolDecoder.TryDecodeReply(message.Data.Span, out var reply, out _) || !reply.Secure.IsHashValid()
                        || !sent.TryGetValue(reply.Reply.Envelope.RequestId, out var at))
                    {
                        unknown++;
                        continue;
                    }

                    var ms = Stopwatch.GetElapsedTime(at, now).TotalMilliseconds;
                    latencies.Add(ms);
                    Interlocked.Increment(ref receivedCount);
                    var id = reply.Reply.Envelope.RequestId;
                    var (count, lastMs) = perRequest.GetValueOrDefault(id);
                    perRequest[id] = (count + 1, Math.Max(lastMs, ms));
                }
            }
            catch (OperationCanceledException)
            {
                // End of the run.
            }
        }, CancellationToken.None);

        var interval = TimeSpan.FromSeconds(1 / rate);
        var start = Stopwatch.GetTimestamp();
        var requests = 0;
        while (Stopwatch.GetElapsedTime(start) < duration)
        {
            var (payload, _, _, requestId) = PrepareRpcutilPing();
            sent[requestId] = Stopwatch.GetTimestamp();
            await connection.PublishAsync(ChoriaSubjects.BroadcastAgent(collective, "rpcutil"), payload, cancellationToken: cancellationToken);
            requests++;
            // Fixed schedule: the next publish is due at start + n*interval, whatever signing took.
            var due = (interval * requests) - Stopwatch.GetElapsedTime(start);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken);
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(start);
        var graceEnd = Stopwatch.GetTimestamp() + (long)(grace.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < graceEnd && Interlocked.Read(ref receivedCount) < (long)requests * expected)
        {
            await Task.Delay(50, cancellationToken);
        }

        await stopReading.CancelAsync();
        await reader;
        var sorted = latencies.Order().ToArray();
        var lastReply = perRequest.Values.Select(v => v.LastMs).Order().ToArray();
        return new LoadResult(requests, elapsed.TotalSeconds, (long)requests * expected, sorted.Length, unknown,
            Stats.Percentile(sorted, 50), Stats.Percentile(sorted, 99), sorted.LastOrDefault(),
            Stats.Percentile(lastReply, 50), Stats.Percentile(lastReply, 99));
    }

    private (byte[] Payload, string ReplyTo, string Agent) Prepare(RequestKind kind)
    {
        if (kind == RequestKind.Rpcutil)
        {
            var (payload, replyTo, agent, _) = PrepareRpcutilPing();
            return (payload, replyTo, agent);
        }

        // The discovery agent's body is the base64 of "ping", as choria ping sends it.
        var (p, r, _) = Sign("discovery", "cGluZw==");
        return (p, r, "discovery");
    }

    private (byte[] Payload, string ReplyTo, string Agent, string RequestId) PrepareRpcutilPing()
    {
        var (payload, replyTo, requestId) = Sign("rpcutil", """{"agent":"rpcutil","action":"ping","data":{}}""");
        return (payload, replyTo, "rpcutil", requestId);
    }

    private (byte[] Payload, string ReplyTo, string RequestId) Sign(string agent, string body)
    {
        var request = Request.Create(new RequestSpec
        {
            Agent = agent,
            Collective = collective,
            CallerId = framework.CallerId,
            SenderId = framework.Identity,
            Message = body,
        }, TimeProvider.System);
        var json = request.ToJson();
        var replyTo = ChoriaSubjects.Reply(collective, framework.Certname, request.Envelope.RequestId);
        var secure = SecureRequest.Create(json, framework.Security.SignToBase64(Encoding.UTF8.GetBytes(json)), framework.Security.PublicCertPem);
        var transport = TransportMessage.Create(secure.ToUtf8Bytes(), new TransportHeaders { ReplyTo = replyTo, McSender = framework.Identity });
        return (transport.ToUtf8Bytes(), replyTo, request.Envelope.RequestId);
    }
}

/// <summary>Sustained-load outcome; <see cref="Lost"/> is expected minus received replies.</summary>
internal sealed record LoadResult(
    int Requests,
    double Seconds,
    long RepliesExpected,
    long RepliesReceived,
    long UnknownReplies,
    double ReplyP50Ms,
    double ReplyP99Ms,
    double ReplyMaxMs,
    double LastReplyP50Ms,
    double LastReplyP99Ms)
{
    public long Lost => RepliesExpected - RepliesReceived;
}
