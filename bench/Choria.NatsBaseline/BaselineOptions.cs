using System.Globalization;
using NATS.Client.Core;

namespace Choria.NatsBaseline;

/// <summary>Command line of the bare-NATS fan-out baseline (issue 7).</summary>
internal sealed record BaselineOptions
{
    /// <summary>
    /// Bytes of one transport-wrapped rpcutil ping reply as produced by Choria.Protocol
    /// (Reply.Create → SecureReply.Create → TransportMessage with mc_sender, 17-character
    /// sender id "node1.example.net"): measured 603 bytes, so the baseline moves what a real ping reply moves.
    /// </summary>
    public const int PingReplyTransportBytes = 603;

    public string Url { get; init; } = "nats://127.0.0.1:4222";

    public int Nodes { get; init; } = 100;

    public int Rounds { get; init; } = 10;

    /// <summary>
    /// Unreported rounds before the measured ones, so the JIT has compiled the responders' hot path; the fleet
    /// side of the scale runner is warmed the same way, and the ratio compares warm with warm.
    /// </summary>
    public int Warmup { get; init; }

    public int PayloadBytes { get; init; } = PingReplyTransportBytes;

    public bool Json { get; init; }

    /// <summary>
    /// Each responder checks an RSA-2048 SHA-256 signature over the request before it answers, as every Choria node
    /// does: the baseline plus the one piece of per-node work no implementation can skip.
    /// </summary>
    public bool VerifySignature { get; init; }

    /// <summary>Client certificate, key and CA for a TLS broker (all three, or none for plain TCP).</summary>
    public string? TlsCert { get; init; }

    public string? TlsKey { get; init; }

    public string? TlsCa { get; init; }

    /// <summary>How long one round waits for missing replies before counting them lost.</summary>
    public TimeSpan RoundTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Responder connections opened at once; bounds the connect storm on small machines.</summary>
    public int ConnectParallelism { get; init; } = 50;

    public const string Usage =
        "usage: Choria.NatsBaseline [--url nats://host:port] [--nodes N] [--rounds R] [--warmup W] [--payload BYTES] [--timeout SECONDS] [--tls-cert F --tls-key F --tls-ca F] [--verify-signature] [--json]";

    public static bool TryParse(string[] args, out BaselineOptions options, out string error)
    {
        options = new BaselineOptions();
        error = "";
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg == "--json")
            {
                options = options with { Json = true };
                continue;
            }

            if (arg == "--verify-signature")
            {
                options = options with { VerifySignature = true };
                continue;
            }

            if (i + 1 >= args.Length)
            {
                error = $"missing value for {arg}";
                return false;
            }

            var value = args[++i];
            switch (arg)
            {
                case "--url":
                    options = options with { Url = value };
                    break;
                case "--nodes" when Positive(value, out var n):
                    options = options with { Nodes = n };
                    break;
                case "--rounds" when Positive(value, out var r):
                    options = options with { Rounds = r };
                    break;
                case "--warmup" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var w):
                    options = options with { Warmup = w };
                    break;
                case "--payload" when Positive(value, out var p):
                    options = options with { PayloadBytes = p };
                    break;
                case "--timeout" when Positive(value, out var t):
                    options = options with { RoundTimeout = TimeSpan.FromSeconds(t) };
                    break;
                case "--tls-cert":
                    options = options with { TlsCert = value };
                    break;
                case "--tls-key":
                    options = options with { TlsKey = value };
                    break;
                case "--tls-ca":
                    options = options with { TlsCa = value };
                    break;
                default:
                    error = $"invalid option {arg} {value}";
                    return false;
            }
        }

        return true;
    }

    /// <summary>The TLS settings of every connection, mutual TLS like a Choria broker when a certificate is given.</summary>
    public NatsTlsOpts Tls => TlsCert is null
        ? NatsTlsOpts.Default
        : new NatsTlsOpts { CertFile = TlsCert, KeyFile = TlsKey, CaFile = TlsCa, Mode = TlsMode.Require };

    private static bool Positive(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;
}
