using System.Globalization;

namespace Choria.OneRequestFloor;

/// <summary>Command line of the floor program; files are the client config's (bench/lib.sh <c>security</c>).</summary>
internal sealed record FloorOptions
{
    public const string Usage =
        "usage: Choria.OneRequestFloor start | echo|nats|nats-plain|choria|fanout --port P --ca CA.pem --cert CERT.pem --key KEY.pem "
        + "[--identity bench.mcollective] [--node node1.bench] [--size 1536] [--timeout SECONDS] [--expect N]";

    /// <summary>Where <c>nats</c> publishes and <c>echo</c> answers.</summary>
    public const string EchoSubject = "floor.echo";

    public required string Mode { get; init; }

    public required int Port { get; init; }

    public required string Ca { get; init; }

    public required string Cert { get; init; }

    public required string Key { get; init; }

    /// <summary>The client's <c>identity</c>: sender id, and certname unless MCOLLECTIVE_CERTNAME is set.</summary>
    public string Identity { get; init; } = "bench.mcollective";

    public string Node { get; init; } = "node1.bench";

    /// <summary>Bytes the <c>nats</c> mode publishes: about a signed rpcutil#ping request.</summary>
    public int Size { get; init; } = 1536;

    public int TimeoutSeconds { get; init; } = 10;

    /// <summary>Replies <c>fanout</c> waits for: the number of echo responders.</summary>
    public int Expect { get; init; } = 1;

    public static FloorOptions? Parse(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("echo" or "nats" or "nats-plain" or "choria" or "fanout"))
        {
            return null;
        }

        string? ca = null, cert = null, key = null;
        string identity = "bench.mcollective", node = "node1.bench";
        int port = 0, size = 1536, timeout = 10, expect = 1;
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            switch (args[i])
            {
                case "--port": port = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--ca": ca = value; break;
                case "--cert": cert = value; break;
                case "--key": key = value; break;
                case "--identity": identity = value; break;
                case "--node": node = value; break;
                case "--size": size = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--timeout": timeout = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--expect": expect = int.Parse(value, CultureInfo.InvariantCulture); break;
                default: return null;
            }
        }

        return args.Length % 2 == 0 || port is < 1 or > 65535 || ca is null || cert is null || key is null || size < 1 || timeout < 1 || expect < 1
            ? null
            : new FloorOptions { Mode = args[0], Port = port, Ca = ca, Cert = cert, Key = key, Identity = identity, Node = node, Size = size, TimeoutSeconds = timeout, Expect = expect };
    }
}
