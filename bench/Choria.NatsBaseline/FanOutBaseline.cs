using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Threading.Channels;
using NATS.Client.Core;

namespace Choria.NatsBaseline;

/// <summary>One publish to <c>nodes</c> subscribers and the time until the last of their replies arrived.</summary>
internal sealed record RoundResult(int Round, int Received, double MillisecondsToLastReply, bool TimedOut);

/// <summary>
/// The physical limit of a Choria fan-out (issue 7): N independent NATS connections answer one
/// published message with a reply of Choria's size, with no protocol or security work at all.
/// Anything the real stack takes beyond this is our overhead.
/// </summary>
internal sealed class FanOutBaseline : IAsyncDisposable
{
    private const string Subject = "choria.baseline.fanout";

    // The size of a transport-wrapped rpcutil ping request signed with a 2048-bit certificate
    // (the pubcert dominates) and an _INBOX reply-to; measured with Choria.Protocol like the reply size.
    private const int RequestBytes = 2828;

    private readonly BaselineOptions _options;
    private readonly ConcurrentBag<NatsConnection> _responders = [];
    private readonly List<Task> _responderLoops = [];
    private readonly Lock _loopsLock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly byte[] _request = NewRequest();
    private readonly RSA? _signer;
    private readonly byte[] _signature = [];
    private readonly ConcurrentBag<RSA> _verifiers = [];

    public FanOutBaseline(BaselineOptions options)
    {
        _options = options;
        if (options.VerifySignature)
        {
            _signer = RSA.Create(2048);
            _signature = _signer.SignData(_request, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
    }

    public TimeSpan ConnectTime { get; private set; }

    /// <summary>Opens every responder connection and waits until the server has each subscription.</summary>
    public async Task ConnectRespondersAsync(CancellationToken ct)
    {
        var reply = new byte[_options.PayloadBytes];
        Array.Fill(reply, (byte)'x');
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, _options.Nodes),
            new ParallelOptions { MaxDegreeOfParallelism = _options.ConnectParallelism, CancellationToken = ct },
            async (i, token) =>
            {
                var connection = new NatsConnection(new NatsOpts
                {
                    Url = _options.Url,
                    Name = "baseline-responder-" + i.ToString(CultureInfo.InvariantCulture),
                    TlsOpts = _options.Tls,
                });
                _responders.Add(connection);
                await ConnectWithRetryAsync(connection, token).ConfigureAwait(false);
                var subscription = await connection.SubscribeCoreAsync<byte[]>(Subject, cancellationToken: token).ConfigureAwait(false);
                var verifier = VerifierFor(_signer);
                if (verifier is not null)
                {
                    _verifiers.Add(verifier);
                }

                var loop = RespondAsync(connection, subscription, reply, verifier, _signature, _stop.Token);
                lock (_loopsLock)
                {
                    _responderLoops.Add(loop);
                }

                // A PING round trip proves the server processed the SUB before any round starts.
                await connection.PingAsync(token).ConfigureAwait(false);
            }).ConfigureAwait(false);
        ConnectTime = watch.Elapsed;
    }

    /// <summary>Publishes once per round and collects replies on a per-round inbox subject.</summary>
    public async Task<IReadOnlyList<RoundResult>> RunRoundsAsync(CancellationToken ct)
    {
        var opts = new NatsOpts
        {
            Url = _options.Url,
            Name = "baseline-requester",
            TlsOpts = _options.Tls,
            // Every reply must be counted: block instead of the default drop-newest when the channel fills.
            SubPendingChannelCapacity = (_options.Nodes * 2) + 1024,
            SubPendingChannelFullMode = BoundedChannelFullMode.Wait,
        };
        await using var requester = new NatsConnection(opts);
        await requester.ConnectAsync().ConfigureAwait(false);
        // Not NewInbox(): NATS.Net routes subjects under its inbox prefix through its request muxer,
        // which would swallow replies to a wildcard subscription.
        var inbox = "baseline.replies." + Guid.NewGuid().ToString("N");
        await using var replies = await requester.SubscribeCoreAsync<byte[]>(inbox + ".*", cancellationToken: ct).ConfigureAwait(false);
        await requester.PingAsync(ct).ConfigureAwait(false);

        var request = _request;
        var results = new List<RoundResult>(_options.Rounds);
        for (var round = 1 - _options.Warmup; round <= _options.Rounds; round++)
        {
            var replySubject = inbox + "." + round.ToString(CultureInfo.InvariantCulture);
            var received = 0;
            var last = TimeSpan.Zero;
            var timedOut = false;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_options.RoundTimeout);
            var watch = Stopwatch.StartNew();
            await requester.PublishAsync(Subject, request, replyTo: replySubject, cancellationToken: ct).ConfigureAwait(false);
            try
            {
                while (received < _options.Nodes)
                {
                    var message = await replies.Msgs.ReadAsync(timeout.Token).ConfigureAwait(false);
                    // Late replies of an earlier, timed out round do not count for this one.
                    if (string.Equals(message.Subject, replySubject, StringComparison.Ordinal))
                    {
                        received++;
                        last = watch.Elapsed;
                    }
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                timedOut = true;
            }

            if (round > 0)
            {
                results.Add(new RoundResult(round, received, last.TotalMilliseconds, timedOut));
            }
        }

        return results;
    }

    public async ValueTask DisposeAsync()
    {
        _signer?.Dispose();
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var connection in _responders)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(_responderLoops).ConfigureAwait(false);
        foreach (var verifier in _verifiers)
        {
            verifier.Dispose();
        }

        _stop.Dispose();
    }

    /// <summary>
    /// Thousands of TLS handshakes on a loaded 2-core machine sometimes exceed the broker's TLS timeout; a real
    /// fleet retries too, so a failed first connect is retried rather than aborting the whole run.
    /// </summary>
    private static async Task ConnectWithRetryAsync(NatsConnection connection, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await connection.ConnectAsync().ConfigureAwait(false);
                return;
            }
            catch (NatsException) when (attempt < 10 && !ct.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), ct).ConfigureAwait(false);
            }
        }
    }

    private static byte[] NewRequest()
    {
        var request = new byte[RequestBytes];
        Array.Fill(request, (byte)'r');
        return request;
    }

    /// <summary>A responder's own public key object, as each node holds its own copy of a caller's certificate.</summary>
    private static RSA? VerifierFor(RSA? signer)
    {
        if (signer is null)
        {
            return null;
        }

        var verifier = RSA.Create();
        verifier.ImportParameters(signer.ExportParameters(includePrivateParameters: false));
        return verifier;
    }

    private static async Task RespondAsync(NatsConnection connection, INatsSub<byte[]> subscription, byte[] reply, RSA? verifier, byte[] signature, CancellationToken ct)
    {
        try
        {
            await foreach (var message in subscription.Msgs.ReadAllAsync(ct).ConfigureAwait(false))
            {
                // A request whose signature does not check gets no reply, so the round reports it missing.
                if (verifier is not null && (message.Data is not { } data || !verifier.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)))
                {
                    continue;
                }

                if (message.ReplyTo is { } replyTo)
                {
                    await connection.PublishAsync(replyTo, reply, cancellationToken: ct).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutdown.
        }
        catch (ObjectDisposedException)
        {
            // The connection closed under the loop during shutdown.
        }
    }
}
