using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Choria.Client;
using Choria.Config;
using Choria.Framework;
using Choria.Protocol.Filters;
using Choria.Protocol.Subjects;

// Load generator for issue 4: N signed, direct rpcutil#ping requests (or --agent/--action/--data) to ONE
// server, at most --window outstanding, counting valid replies with status 0 and timing each request from
// publish to reply (p50/p99). Requests are signed before the clock starts so the generator's RSA signing
// (≈1 ms each) does not cap the rate being measured.
var options = LoadOptions.Parse(args);
if (options is null)
{
    await Console.Error.WriteLineAsync(LoadOptions.Usage).ConfigureAwait(false);
    return 2;
}

var config = ConfigLoader.Load(options.ConfigFile).Config;
using var framework = await ChoriaFramework.CreateAsync(config, debug: false, verifySecurityFiles: true).ConfigureAwait(false);
var factory = new RequestFactory(framework.Identity, framework.CallerId, framework.Security, insecure: false, ttl: 600);
const string Collective = "mcollective";
var filter = new Filter { Agent = [options.Agent] };
var payload = factory.RpcPayload(options.Agent, options.Action, options.Data is null ? null : System.Text.Json.Nodes.JsonNode.Parse(options.Data)!.AsObject());

var signing = Stopwatch.StartNew();
var requests = new OutgoingRequest[options.Count];
for (var i = 0; i < requests.Length; i++)
{
    requests[i] = factory.Build(options.Agent, payload, Collective, filter, serverUrl: null);
}

var index = new Dictionary<string, int>(requests.Length, StringComparer.Ordinal);
for (var i = 0; i < requests.Length; i++)
{
    index[requests[i].ReplySubject[(requests[i].ReplySubject.LastIndexOf('.') + 1)..]] = i;
}

var sent = new long[requests.Length];
var latencies = new List<double>(requests.Length);

signing.Stop();

await using var connection = await framework.ConnectAsync("serverload-" + Guid.NewGuid().ToString("N"), allowFederation: false, CancellationToken.None).ConfigureAwait(false);
var replyPrefix = requests[0].ReplySubject[..(requests[0].ReplySubject.LastIndexOf('.') + 1)];
await using var subscription = await connection.SubscribeAsync(replyPrefix + ">", null, 1 << 20, BoundedChannelFullMode.Wait).ConfigureAwait(false);
await connection.FlushAsync().ConfigureAwait(false);

var window = new SemaphoreSlim(options.Window, options.Window);
var ok = 0;
var bad = 0;
var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(options.TimeoutSeconds));

var reader = Task.Run(async () =>
{
    try
    {
        await foreach (var message in subscription.ReadAllAsync(cts.Token).ConfigureAwait(false))
        {
            var id = message.Subject[replyPrefix.Length..];
            var received = Stopwatch.GetTimestamp();
            var requestId = Encoding.ASCII.GetBytes(id);
            var rejection = ReplyDecoder.TryDecode(message.Data.Span, requestId, out var reply);
            var statusOk = rejection == ReplyRejection.None && StatusIsZero(reply.Body.AsMemory(0, reply.BodyLength));
            ReplyDecoder.Return(reply.Body);
            if (statusOk)
            {
                ok++;
                if (index.TryGetValue(id, out var n))
                {
                    latencies.Add(Stopwatch.GetElapsedTime(Volatile.Read(ref sent[n]), received).TotalMilliseconds);
                }
            }
            else
            {
                bad++;
            }

            window.Release();
            if (ok + bad >= options.Count)
            {
                done.TrySetResult();
                return;
            }
        }
    }
    catch (OperationCanceledException)
    {
        done.TrySetResult();
    }
});

var target = ChoriaSubjects.Node(Collective, options.Node);
var clock = Stopwatch.StartNew();
try
{
    for (var i = 0; i < requests.Length; i++)
    {
        var request = requests[i];
        await window.WaitAsync(cts.Token).ConfigureAwait(false);
        Volatile.Write(ref sent[i], Stopwatch.GetTimestamp());
        await connection.PublishAsync(target, request.Bytes, null, cts.Token).ConfigureAwait(false);
    }

    await connection.FlushAsync(cts.Token).ConfigureAwait(false);
    await done.Task.ConfigureAwait(false);
}
catch (OperationCanceledException)
{
    // Timed out: report what arrived.
}

clock.Stop();
await cts.CancelAsync().ConfigureAwait(false);
await reader.ConfigureAwait(false);

var seconds = clock.Elapsed.TotalSeconds;
latencies.Sort();
Console.WriteLine(string.Create(
    CultureInfo.InvariantCulture,
    $"{{\"action\":\"{options.Agent}#{options.Action}\",\"requests\":{options.Count},\"window\":{options.Window},\"ok\":{ok},\"bad\":{bad},\"seconds\":{seconds:0.000},\"replies_per_second\":{ok / seconds:0},\"p50_ms\":{Percentile(latencies, 0.50):0.0},\"p99_ms\":{Percentile(latencies, 0.99):0.0},\"presign_seconds\":{signing.Elapsed.TotalSeconds:0.000}}}"));
return ok == options.Count ? 0 : 1;

static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

// A reply that decodes but carries an error status (an agent failure) is not a success.
static bool StatusIsZero(ReadOnlyMemory<byte> body)
{
    try
    {
        using var doc = System.Text.Json.JsonDocument.Parse(body);
        return !doc.RootElement.TryGetProperty("statuscode", out var code) || code.GetInt32() == 0;
    }
    catch (System.Text.Json.JsonException)
    {
        return false;
    }
}

internal sealed record LoadOptions
{
    public const string Usage = "usage: Choria.ServerLoad --config CLIENT.conf --node IDENTITY [--count N] [--window W] [--timeout SECONDS] [--agent A --action B [--data JSON]]";

    public required string ConfigFile { get; init; }

    public required string Node { get; init; }

    public int Count { get; init; } = 5000;

    public int Window { get; init; } = 100;

    public int TimeoutSeconds { get; init; } = 120;

    public string Agent { get; init; } = "rpcutil";

    public string Action { get; init; } = "ping";

    public string? Data { get; init; }

    public static LoadOptions? Parse(string[] args)
    {
        string? config = null;
        string? node = null;
        string agent = "rpcutil", action = "ping";
        string? data = null;
        int count = 5000, window = 100, timeout = 120;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            switch (args[i])
            {
                case "--config": config = value; break;
                case "--node": node = value; break;
                case "--count": count = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--window": window = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--timeout": timeout = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--agent": agent = value; break;
                case "--action": action = value; break;
                case "--data": data = value; break;
                default: return null;
            }
        }

        return config is null || node is null || count < 1 || window < 1
            ? null
            : new LoadOptions { ConfigFile = config, Node = node, Count = count, Window = window, TimeoutSeconds = timeout, Agent = agent, Action = action, Data = data };
    }
}
