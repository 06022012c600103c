using System.Net.Security;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using NATS.Client.Core;

namespace Choria.OneRequestFloor;

/// <summary>
/// NATS.Net alone: the mutual TLS connect, one published message and its reply, with no Choria code. <see cref="EchoAsync"/>
/// is the responder the round trip needs, started once by bench/floor.sh.
/// </summary>
/// <remarks>
/// The floor (<c>nats</c>) connects as cheaply as the command's connector does (docs/performance.md): the key decoded
/// once and handed over with the certificate, no keep-alive ping timer (whose cancellation at exit renders a stack
/// trace), no system trust store (Program.cs). <c>nats-plain</c> gives NATS.Net the file paths and keeps its defaults,
/// to show what those choices are worth.
/// </remarks>
internal static class NatsFloor
{
    private static readonly NatsRawSerializer<byte[]> s_raw = NatsRawSerializer<byte[]>.Default;

    public static async Task<int> RoundTripAsync(FloorOptions options, bool plain)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(options.TimeoutSeconds));
        await using var nats = new NatsConnection(plain ? PlainOpts(options, "floor-nats-plain") : FloorOpts(options));
        await nats.ConnectAsync().ConfigureAwait(false);
        var inbox = nats.NewInbox();
        await using var replies = await nats.SubscribeCoreAsync(inbox, serializer: s_raw, cancellationToken: timeout.Token).ConfigureAwait(false);
        // Random bytes: only a responder that really returned this message can match it.
        var payload = new byte[options.Size];
        Random.Shared.NextBytes(payload);
        await nats.PublishAsync(FloorOptions.EchoSubject, payload, replyTo: inbox, serializer: s_raw, cancellationToken: timeout.Token).ConfigureAwait(false);
        return await ReceiveEchoesAsync(replies, payload, 1, timeout.Token).ConfigureAwait(false) ? 0 : 1;
    }

    /// <summary>
    /// The transport floor of a request to many nodes: one message to the echo responders (one process each, as every
    /// node is), the time from publish to the last of <see cref="FloorOptions.Expect"/> replies printed in milliseconds.
    /// </summary>
    public static async Task<int> FanOutAsync(FloorOptions options)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(options.TimeoutSeconds));
        await using var nats = new NatsConnection(FloorOpts(options));
        await nats.ConnectAsync().ConfigureAwait(false);
        var inbox = nats.NewInbox();
        await using var replies = await nats.SubscribeCoreAsync(inbox, serializer: s_raw, cancellationToken: timeout.Token).ConfigureAwait(false);
        await nats.PingAsync(timeout.Token).ConfigureAwait(false);
        var payload = new byte[options.Size];
        Random.Shared.NextBytes(payload);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await nats.PublishAsync(FloorOptions.EchoSubject, payload, replyTo: inbox, serializer: s_raw, cancellationToken: timeout.Token).ConfigureAwait(false);
        if (!await ReceiveEchoesAsync(replies, payload, options.Expect, timeout.Token).ConfigureAwait(false))
        {
            return 1;
        }

        Console.WriteLine(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture));
        return 0;
    }

    /// <summary>Reads <paramref name="expect"/> replies; false, said on stderr, at the first that is not <paramref name="payload"/> echoed.</summary>
    private static async Task<bool> ReceiveEchoesAsync(INatsSub<byte[]> replies, byte[] payload, int expect, CancellationToken cancellationToken)
    {
        for (var received = 0; received < expect; received++)
        {
            var reply = await replies.Msgs.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (reply.HasNoResponders)
            {
                await Console.Error.WriteLineAsync($"no responder on {FloorOptions.EchoSubject}").ConfigureAwait(false);
                return false;
            }

            if (reply.Data is not { } data || !data.AsSpan().SequenceEqual(payload))
            {
                await Console.Error.WriteLineAsync("the reply is not the message sent").ConfigureAwait(false);
                return false;
            }
        }

        return true;
    }

    /// <summary>Answers every message on <see cref="FloorOptions.EchoSubject"/> with its own bytes until SIGTERM or SIGINT.</summary>
    public static async Task<int> EchoAsync(FloorOptions options)
    {
        using var stop = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        await using var nats = new NatsConnection(PlainOpts(options, "floor-echo"));
        await nats.ConnectAsync().ConfigureAwait(false);
        await using var requests = await nats.SubscribeCoreAsync(FloorOptions.EchoSubject, serializer: s_raw, cancellationToken: stop.Token).ConfigureAwait(false);
        // The broker knows the subscription once it answered a ping: the script may start publishing after this line.
        await nats.PingAsync(stop.Token).ConfigureAwait(false);
        Console.WriteLine("echo ready");
        try
        {
            await foreach (var message in requests.Msgs.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                if (message.ReplyTo is { } replyTo)
                {
                    await nats.PublishAsync(replyTo, message.Data, serializer: s_raw, cancellationToken: stop.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }

        return 0;
    }

    /// <summary>NATS.Net's own way with a certificate and key file pair, and its defaults.</summary>
    private static NatsOpts PlainOpts(FloorOptions options, string name) => NatsOpts.Default with
    {
        Url = Url(options),
        Name = name,
        TlsOpts = new NatsTlsOpts { CertFile = options.Cert, KeyFile = options.Key, CaFile = options.Ca, Mode = TlsMode.Require },
    };

    /// <summary>As src/Choria.Connector/ChoriaConnection.cs with the provider's certificate, and as a short-lived command connects.</summary>
    private static NatsOpts FloorOpts(FloorOptions options)
    {
        var leaf = X509Certificate2.CreateFromPemFile(options.Cert, options.Key);
        return NatsOpts.Default with
        {
            Url = Url(options),
            Name = "floor-nats",
            TlsOpts = new NatsTlsOpts
            {
                CaFile = options.Ca,
                Mode = TlsMode.Require,
                ConfigureClientAuthentication = ssl =>
                {
                    ssl.ClientCertificateContext = SslStreamCertificateContext.Create(leaf, []);
                    return ValueTask.CompletedTask;
                },
            },
            PingInterval = TimeSpan.Zero,
        };
    }

    private static string Url(FloorOptions options) => $"nats://127.0.0.1:{options.Port}";
}
