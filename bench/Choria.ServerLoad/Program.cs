using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Choria.Client;
using Choria.Config;
using Choria.Framework;
using Choria.Protocol.Filters;
using Choria.Protocol.Subjects;

// Load generator for issue 4: N signed, direct rpcutil#ping requests to ONE server, at most
// --window outstanding, counting valid replies. Requests are signed before the clock starts so the
// generator's RSA signing (≈1 ms each) does not cap the rate being measured.
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
var filter = new Filter { Agent = ["rpcutil"] };
var payload = factory.RpcPayload("rpcutil", "ping", null);

var signing = Stopwatch.StartNew();
var requests = new OutgoingRequest[options.Count];
for (var i = 0; i < requests.Length; i++)
{
    requests[i] = factory.Build("rpcutil", payload, Collective, filter, serverUrl: null);
}

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
            var requestId = Encoding.ASCII.GetBytes(message.Subject[replyPrefix.Length..]);
            var rejection = ReplyDecoder.TryDecode(message.Data.Span, requestId, out var reply);
            ReplyDecoder.Return(reply.Body);
            if (rejection == ReplyRejection.None)
            {
                ok++;
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
    foreach (var request in requests)
    {
        await window.WaitAsync(cts.Token).ConfigureAwait(false);
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
Console.WriteLine(string.Create(
    CultureInfo.InvariantCulture,
    $"{{\"requests\":{options.Count},\"window\":{options.Window},\"ok\":{ok},\"bad\":{bad},\"seconds\":{seconds:0.000},\"replies_per_second\":{ok / seconds:0},\"presign_seconds\":{signing.Elapsed.TotalSeconds:0.000}}}"));
return ok == options.Count ? 0 : 1;

internal sealed record LoadOptions
{
    public const string Usage = "usage: Choria.ServerLoad --config CLIENT.conf --node IDENTITY [--count N] [--window W] [--timeout SECONDS]";

    public required string ConfigFile { get; init; }

    public required string Node { get; init; }

    public int Count { get; init; } = 5000;

    public int Window { get; init; } = 100;

    public int TimeoutSeconds { get; init; } = 120;

    public static LoadOptions? Parse(string[] args)
    {
        string? config = null;
        string? node = null;
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
                default: return null;
            }
        }

        return config is null || node is null || count < 1 || window < 1
            ? null
            : new LoadOptions { ConfigFile = config, Node = node, Count = count, Window = window, TimeoutSeconds = timeout };
    }
}
