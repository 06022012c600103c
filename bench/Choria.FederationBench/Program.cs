using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Choria.Broker.Adapters;
using Choria.Broker.Federation;
using Choria.Connector;
using Choria.Protocol.Federation;
using Choria.Protocol.Messages;
using Choria.Protocol.Subjects;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Prometheus;

// Throughput of the federation broker and the protocol adapter beside raw NATS baselines, all on
// local nats-server children. Usage: dotnet run -c Release [messages] [workers per stage]
// FEDBENCH_INGEST / FEDBENCH_TRANSFORM / FEDBENCH_EGEST override one stage's worker count.
// FEDBENCH_BATCH overrides the most messages one stage hands to the next at once (1 = per message).
var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20000;
var workers = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 0;
var rows = new List<(string Name, int Messages, TimeSpan Elapsed, RowCost Cost)>();

using var fedServer = Server.Start(false);
using var colServer = Server.Start(false);
using var jsServer = Server.Start(true);
await Task.Delay(300);

// FEDBENCH_ONLY=raw,rawjson,federation,jetstream,adapter runs a subset, e.g. to profile one path alone
// (rawjson, the raw relay doing the broker's JSON work, only runs when named).
var only = Environment.GetEnvironmentVariable("FEDBENCH_ONLY")?.Split(',') ?? ["raw", "federation", "jetstream", "adapter"];
if (only.Contains("raw"))
{
    rows.Add(await MeasureAsync(() => RawRepublishAsync(count)));
}

if (only.Contains("rawjson"))
{
    rows.Add(await MeasureAsync(() => RawJsonRelayAsync(count)));
}

if (only.Contains("federation"))
{
    rows.Add(await MeasureAsync(() => FederationAsync(count)));
}

if (only.Contains("jetstream"))
{
    rows.Add(await MeasureAsync(() => RawJetStreamAsync(count)));
}

if (only.Contains("adapter"))
{
    rows.Add(await MeasureAsync(() => AdapterAsync(count)));
}

// Wall time is what the targets name; this process's CPU and allocation per message are steadier
// on a shared machine and show where a change helped (nats-server children are not included).
Console.WriteLine($"{"scenario",-44} {"messages",10} {"seconds",9} {"msg/s",12} {"cpu µs/msg",11} {"B/msg",7} {"gc0/1/2",10}");
foreach (var (name, messages, elapsed, cost) in rows)
{
    Console.WriteLine($"{name,-44} {messages,10} {elapsed.TotalSeconds,9:0.000} {messages / elapsed.TotalSeconds,12:0} {cost.Cpu.TotalMicroseconds / messages,11:0.0} {cost.Allocated / messages,7} {$"{cost.Gen0}/{cost.Gen1}/{cost.Gen2}",10}");
}

return;

static async Task<(string, int, TimeSpan, RowCost)> MeasureAsync(Func<Task<(string, int, TimeSpan)>> row)
{
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var allocated = GC.GetTotalAllocatedBytes();
    var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
    var (name, messages, elapsed) = await row();
    var cost = new RowCost(Process.GetCurrentProcess().TotalProcessorTime - cpu, GC.GetTotalAllocatedBytes() - allocated,
        GC.CollectionCount(0) - gen0, GC.CollectionCount(1) - gen1, GC.CollectionCount(2) - gen2);
    return (name, messages, elapsed, cost);
}

ConnectorOptions Options(IReadOnlyList<BrokerHost> servers, string name) => new() { Servers = servers, Name = name, SubscriptionCapacity = 65536 };

Task<ChoriaConnection> Connect(Server server, string name) => ChoriaConnection.ConnectAsync(Options([server.Host], name), NullLogger.Instance, CancellationToken.None);

byte[] FederatedRequest(out string replyTo)
{
    var request = Request.Create(new RequestSpec { Agent = "rpcutil", Collective = "mcollective", CallerId = "choria=bench", SenderId = "bench", Message = "{\"agent\":\"rpcutil\",\"action\":\"ping\",\"data\":{}}" }, TimeProvider.System);
    var secure = SecureRequest.Create(request.ToJson(), SecureRequest.Insecure, SecureRequest.Insecure);
    replyTo = ChoriaSubjects.Reply("mcollective", "bench", request.Envelope.RequestId);
    var transport = TransportMessage.Create(secure.ToJson(), new TransportHeaders { ReplyTo = replyTo, McSender = "bench" });
    return FederationPublisher.Broadcast(transport, request.Envelope.RequestId, "mcollective", "rpcutil", ["bench"])[0].Message.ToUtf8Bytes();
}

async Task<(string, int, TimeSpan)> RawRepublishAsync(int n)
{
    // Baseline: 2n messages cross networks (request in, reply back) through one republishing relay each way.
    var elapsed = await TwoRelaysAsync(n, new RelaySubjects("bench.request", "bench.collective", "bench.collective.reply", "bench.reply"),
        async (sub, output, requests) =>
        {
            var target = requests ? "bench.collective" : "bench.reply";
            await foreach (var m in sub.ReadAllAsync())
            {
                await output.PublishAsync(target, m.Data);
            }
        });
    return ("raw NATS republish (requests+replies)", 2 * n, elapsed);
}

async Task<(string, int, TimeSpan)> RawJsonRelayAsync(int n)
{
    // The broker's per-message JSON work (parse headers, transform, write) inline in a one-loop relay: the gap
    // to the raw row is the JSON cost, the gap to the federation row what the staged chain adds on top.
    var subjects = new RelaySubjects(ChoriaSubjects.FederationRequests("bench"), "mcollective.broadcast.agent.rpcutil", ChoriaSubjects.FederationReplies("bench"), "mcollective.reply.bench.*");
    var elapsed = await TwoRelaysAsync(n, subjects, async (sub, output, requests) =>
    {
        using var relay = new TransportRelayWriter();
        var hop = new SeenByHop("nats://127.0.0.1:1", "bench-fb (choria_nats_ingest:1, choria_request_transformer:2, choria_nats_egest:3)", "nats://127.0.0.1:2");
        var replies = ChoriaSubjects.FederationReplies("bench");
        await foreach (var m in sub.ReadAllAsync())
        {
            if (!TransportReader.TryReadRaw(m.Data, out var headers, out var raw, out _))
            {
                continue;
            }

            TransportHeaders moved;
            IReadOnlyList<string> targets;
            if (requests && FederationTransformer.TryMoveRequestHeaders(headers, replies, out moved, out var requestTargets, out _))
            {
                targets = requestTargets;
            }
            else if (!requests && FederationTransformer.TryMoveReplyHeaders(headers, out moved, out var replySubject, out _))
            {
                targets = [replySubject];
            }
            else
            {
                continue;
            }

            var payload = relay.Write(raw.Span, moved, hop);
            foreach (var target in targets)
            {
                await output.PublishAsync(target, payload);
            }
        }
    });
    return ("raw relay with federation JSON work", 2 * n, elapsed);
}

// Client on the federation-side server, stand-in server on the collective side, and `relay` run once per direction
// (requests: federation -> collective, replies: back); the stand-in echoes each request as its reply.
async Task<TimeSpan> TwoRelaysAsync(int n, RelaySubjects subjects, Func<ChoriaSubscription, ChoriaConnection, bool, Task> relay)
{
    await using var client = await Connect(fedServer, "client");
    await using var relayIn = await Connect(fedServer, "relay-in");
    await using var relayOut = await Connect(colServer, "relay-out");
    await using var server = await Connect(colServer, "server");
    await using var clientSub = await client.SubscribeAsync(subjects.ClientReplies);
    await using var inSub = await relayIn.SubscribeAsync(subjects.Requests);
    await using var serverSub = await server.SubscribeAsync(subjects.Server);
    await using var replyIn = await relayOut.SubscribeAsync(subjects.ServerReplies);
    var forward = Task.Run(() => relay(inSub, relayOut, true));
    var answer = Task.Run(async () => { await foreach (var m in serverSub.ReadAllAsync()) { await server.PublishAsync(subjects.ServerReplies, m.Data); } });
    var back = Task.Run(() => relay(replyIn, relayIn, false));
    await client.FlushAsync(); await relayIn.FlushAsync(); await relayOut.FlushAsync(); await server.FlushAsync();
    var payload = FederatedRequest(out _);
    var sw = Stopwatch.StartNew();
    var drained = DrainAsync(clientSub, n);
    for (var i = 0; i < n; i++)
    {
        await client.PublishAsync(subjects.Requests, payload);
    }

    await drained;
    return sw.Elapsed;
}

async Task<(string, int, TimeSpan)> FederationAsync(int n)
{
    var options = new FederationBrokerOptions
    {
        Cluster = "bench",
        Identity = "bench-fb",
        FederationBrokers = new BrokerResolutionOptions { ConfiguredHosts = fedServer.HostPort, UseSrv = false, Role = BrokerRole.Federation },
        CollectiveBrokers = new BrokerResolutionOptions { ConfiguredHosts = colServer.HostPort, UseSrv = false },
        SubscriptionCapacity = 65536,
    };
    if (workers > 0)
    {
        options = options with { IngestWorkers = workers, TransformerWorkers = workers, EgestWorkers = workers };
    }

    int? Stage(string name) => Environment.GetEnvironmentVariable(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : null;
    options = options with { IngestWorkers = Stage("FEDBENCH_INGEST") ?? options.IngestWorkers, TransformerWorkers = Stage("FEDBENCH_TRANSFORM") ?? options.TransformerWorkers, EgestWorkers = Stage("FEDBENCH_EGEST") ?? options.EgestWorkers };
    options = options with { HandOffBatchSize = Stage("FEDBENCH_BATCH") ?? options.HandOffBatchSize };

    var registry = Metrics.NewCustomRegistry();
    await using var broker = new FederationBroker(options, new BrokerResolver(new NoSrv(), NullLogger.Instance), Options, registry, NullLoggerFactory.Instance);
    await broker.StartAsync(CancellationToken.None);
    await using var client = await Connect(fedServer, "client");
    await using var server = await Connect(colServer, "server");
    await using var serverSub = await server.SubscribeAsync("mcollective.broadcast.agent.rpcutil");
    await using var clientSub = await client.SubscribeAsync("mcollective.reply.bench.*");
    await server.FlushAsync(); await client.FlushAsync();
    // The stand-in server echoes like the raw baseline's does, so both rows differ only in the relay:
    // the transformed request keeps federation req and reply-to, which is all the reply chain reads.
    var replies = ChoriaSubjects.FederationReplies("bench");
    var sw = new Stopwatch();
    var served = 0;
    var answer = Task.Run(async () =>
    {
        await foreach (var m in serverSub.ReadAllAsync())
        {
            if (++served == n)
            {
                Console.Error.WriteLine($"federation: last request reached the server after {sw.Elapsed.TotalSeconds:0.000}s");
            }

            await server.PublishAsync(replies, m.Data);
        }
    });
    // One request published n times, as the raw row does: the broker does not look at request ids, and
    // n distinct pre-built payloads kept ~1 KB each alive through the run, taxing every GC of the broker.
    var payload = FederatedRequest(out _);
    sw.Start();
    // Replies are read while requests go out: a client that only reads afterwards overflows its own buffer.
    var drained = DrainAsync(clientSub, n);
    for (var i = 0; i < n; i++)
    {
        await client.PublishAsync(ChoriaSubjects.FederationRequests("bench"), payload);
    }

    Console.Error.WriteLine($"federation: client published all requests after {sw.Elapsed.TotalSeconds:0.000}s");

    var arrived = await drained;
    var elapsed = sw.Elapsed;
    if (arrived < n)
    {
        var drops = string.Join(", ", Enum.GetValues<FederationDropReason>().Select(r => $"{r}={broker.Dropped(r)}"));
        Console.Error.WriteLine($"federation: lost {n - arrived}; broker drops {drops}; stand-in server dropped {serverSub.Dropped}, saw {served}; disconnects client {client.Disconnects} server {server.Disconnects}");
    }

    if (Environment.GetEnvironmentVariable("FEDBENCH_METRICS") is not null)
    {
        using var text = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(text);
        foreach (var line in System.Text.Encoding.UTF8.GetString(text.ToArray()).Split('\n').Where(l => l.Contains("_time_sum", StringComparison.Ordinal)))
        {
            Console.Error.WriteLine(line);
        }
    }

    return ("federation broker (requests+replies)", 2 * n, elapsed);
}

async Task<(string, int, TimeSpan)> RawJetStreamAsync(int n)
{
    await using var connection = await Connect(jsServer, "raw-js");
    var js = new NatsJSContext(connection.Nats);
    await js.CreateStreamAsync(new StreamConfig("RAW", ["raw.>"]));
    var payload = new byte[200];
    var sw = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, 10).Select(async w =>
    {
        for (var i = w; i < n; i += 10)
        {
            await js.PublishAsync("raw.x", payload);
        }
    }));
    return ("raw JetStream publish, 10 publishers", n, sw.Elapsed);
}

async Task<(string, int, TimeSpan)> AdapterAsync(int n)
{
    await using (var setup = await Connect(jsServer, "setup"))
    {
        await new NatsJSContext(setup.Nats).CreateStreamAsync(new StreamConfig("REG", ["reg.>"]));
    }

    var options = new AdapterOptions
    {
        Name = "bench",
        StreamTopic = "reg.%s",
        IngestTopic = "mcollective.broadcast.agent.registration",
        IngestProtocol = AdapterIngestProtocol.Request,
        QueueLength = n,
        StreamBrokers = new BrokerResolutionOptions { ConfiguredHosts = jsServer.HostPort, UseSrv = false },
        CollectiveBrokers = new BrokerResolutionOptions { ConfiguredHosts = colServer.HostPort, UseSrv = false },
        SubscriptionCapacity = 65536,
    };
    if (workers > 0)
    {
        options = options with { IngestWorkers = workers, StreamWorkers = workers };
    }

    await using var adapter = new ProtocolAdapter(options, new BrokerResolver(new NoSrv(), NullLogger.Instance), Options, Metrics.NewCustomRegistry(), NullLoggerFactory.Instance);
    await adapter.StartAsync(CancellationToken.None);
    await using var publisher = await Connect(colServer, "publisher");
    var request = Request.Create(new RequestSpec { Agent = "registration", Collective = "mcollective", CallerId = "choria=n1", SenderId = "n1", Message = "{\"identity\":\"n1\"}" }, TimeProvider.System);
    var payload = TransportMessage.Create(SecureRequest.Create(request.ToJson(), SecureRequest.Insecure, SecureRequest.Insecure).ToJson(), new TransportHeaders { ReplyTo = "dev.null" }).ToUtf8Bytes();
    var sw = Stopwatch.StartNew();
    for (var i = 0; i < n; i++)
    {
        await publisher.PublishAsync(options.IngestTopic, payload);
    }

    while (adapter.Stored + adapter.Dropped(AdapterDropReason.QueueFull) + adapter.Dropped(AdapterDropReason.PublishFailed) < n && sw.Elapsed < TimeSpan.FromMinutes(2))
    {
        await Task.Delay(5);
    }

    return ($"adapter ingest->stream ({adapter.Stored} stored)", n, sw.Elapsed);
}

// Waits for n replies; gives up after 10 s without one, reporting how many arrived, so an overloaded
// run shows its losses instead of hanging.
static async Task<int> DrainAsync(ChoriaSubscription subscription, int n)
{
    await Task.Yield();
    var seen = 0;
    while (seen < n)
    {
        using var idle = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            if (!await subscription.WaitToReadAsync(idle.Token))
            {
                break;
            }
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"{subscription.Subject}: {n - seen} of {n} replies never arrived ({subscription.Dropped} dropped by this subscriber)");
            break;
        }

        while (seen < n && subscription.TryRead(out _))
        {
            seen++;
        }
    }

    return seen;
}

internal sealed class NoSrv : ISrvResolver
{
    public ValueTask<IReadOnlyList<SrvRecord>> ResolveAsync(string name, CancellationToken cancellationToken) => ValueTask.FromResult<IReadOnlyList<SrvRecord>>([]);
}

internal sealed class Server : IDisposable
{
    private readonly Process _process;
    private readonly string _dir = Directory.CreateTempSubdirectory("choria-fedbench-").FullName;

    private Server(bool jetStream)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var args = new List<string> { "-a", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture) };
        if (jetStream)
        {
            args.AddRange(["-js", "-sd", _dir]);
        }

        _process = Process.Start(new ProcessStartInfo("/usr/sbin/nats-server", args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
    }

    public int Port { get; }

    public string HostPort => $"127.0.0.1:{Port}";

    public BrokerHost Host => new("127.0.0.1", Port);

    public static Server Start(bool jetStream) => new(jetStream);

    public void Dispose()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}

internal sealed record RelaySubjects(string Requests, string Server, string ServerReplies, string ClientReplies);

internal sealed record RowCost(TimeSpan Cpu, long Allocated, int Gen0, int Gen1, int Gen2);
