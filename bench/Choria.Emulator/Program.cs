using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Choria.Config;
using Choria.Emulator;
using Choria.Framework;
using Microsoft.Extensions.Logging;

const string Usage = """
    usage:
      Choria.Emulator setup --dir DIR --port PORT
          throw-away CA, broker/server/client certificates and broker.conf, server.conf, client.conf in DIR
      Choria.Emulator run --config server.conf --instances N [--identity-prefix P] [--facts-variety K]
          [--batch B] [--concurrency C] [--queue Q] [--socket-buffer BYTES] [--sub-capacity S] [--plain]
      Choria.Emulator provision --dir DIR --instances N (--jwt FILE | --brokers HOST:PORT [--token T]) [--bring-back]
          [--identity-prefix P] [--batch B] [--socket-buffer BYTES] [--loglevel warn|error]
          unconfigured nodes in provisioning mode; restart counts as provisioned (and with --bring-back the node
          starts again from what the provisioner wrote); prints "restarted N" and "back N" lines when all are done
      Choria.Emulator ping --config client.conf --expect N [--kind discovery|rpcutil] [--rounds R] [--warmup W]
          [--timeout S] [--direct --identity-prefix P] [--plain] [--json]
      Choria.Emulator load --config client.conf --expect N [--rate R] [--duration S] [--grace S] [--plain] [--json]
    """;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
{
    ctx.Cancel = true;
    cancel.Cancel();
});

if (!Args.TryParse(args.Skip(1), new HashSet<string> { "--plain", "--json", "--direct", "--bring-back" }, out var opts, out var parseError) || args.Length == 0)
{
    await Console.Error.WriteLineAsync(parseError + "\n" + Usage);
    return 2;
}

try
{
    return args[0] switch
    {
        "setup" => Setup(opts),
        "run" => await RunFleetAsync(opts, cancel.Token),
        "provision" => await ProvisionAsync(opts, cancel.Token),
        "ping" => await PingAsync(opts, cancel.Token),
        "load" => await LoadAsync(opts, cancel.Token),
        _ => throw new ArgumentException($"unknown command {args[0]}"),
    };
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync(e.Message + "\n" + Usage);
    return 2;
}

static int Setup(Args opts)
{
    FleetSetup.Write(Path.GetFullPath(opts.Required("--dir")), opts.Int("--port", 4222));
    return 0;
}

static async Task<ChoriaFramework> FrameworkAsync(Args opts, ConfigRole role, CancellationToken ct)
{
    var config = ConfigLoader.Load(opts.Required("--config"), new ConfigLoadOptions { Role = role }).Config;
    return await ChoriaFramework.CreateAsync(config, debug: false, verifySecurityFiles: role == ConfigRole.Client, LogLevel.Warning, ct);
}

static FleetOptions FleetOptionsFrom(Args opts) => new()
{
    Instances = opts.Int("--instances", 100),
    IdentityPrefix = opts.String("--identity-prefix", "emulated-"),
    FactsVariety = opts.Int("--facts-variety", 10),
    Batch = Math.Max(1, opts.Int("--batch", 200)),
    Concurrency = Math.Max(1, opts.Int("--concurrency", 1)),
    QueueSize = Math.Max(1, opts.Int("--queue", 64)),
    SocketBuffer = Math.Max(512, opts.Int("--socket-buffer", 8 * 1024)),
    SubscriptionCapacity = Math.Max(1, opts.Int("--sub-capacity", 64)),
    Plain = opts.Flag("--plain"),
};

static async Task<int> ProvisionAsync(Args opts, CancellationToken ct)
{
    var options = FleetOptionsFrom(opts);
    var level = opts.String("--loglevel", "warn") == "error" ? LogLevel.Error : LogLevel.Warning;
    var provisioning = new ProvisioningFleetOptions
    {
        Directory = Path.GetFullPath(opts.Required("--dir")),
        JwtFile = opts.String("--jwt", ""),
        BrokerUrls = opts.String("--brokers", ""),
        Token = opts.String("--token", ""),
        BringBack = opts.Flag("--bring-back"),
    };
    if (provisioning.JwtFile.Length == 0 && provisioning.BrokerUrls.Length == 0)
    {
        throw new ArgumentException("--jwt or --brokers is required");
    }

    await using var fleet = await ProvisioningFleet.CreateAsync(provisioning, options, level, ct);
    var before = Memory.Measure();
    TimeSpan startup;
    try
    {
        startup = await fleet.StartAsync(ct);
    }
    catch (OperationCanceledException) when (ct.IsCancellationRequested)
    {
        return 1;
    }

    var n = options.Instances;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ready {n} instances in {startup.TotalSeconds:F1}s (provisioning mode, plain TCP)"));
    Console.WriteLine(MemoryLine(before, Memory.Measure(), n));
    try
    {
        var restarted = await fleet.AllRestarted.WaitAsync(ct);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"restarted {n} at {restarted} (unclean stops: {fleet.UncleanStops})"));
        if (provisioning.BringBack)
        {
            var back = await fleet.AllBack.WaitAsync(ct);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"back {n} at {back}"));
        }

        Console.WriteLine(MemoryLine(before, Memory.Measure(), n));
    }
    catch (OperationCanceledException) when (ct.IsCancellationRequested)
    {
        // Stopped before every node was provisioned: the bench reports what its own counters saw.
    }

    await fleet.StopAsync();
    return fleet.Failed == 0 ? 0 : 1;
}

static string MemoryLine(Memory before, Memory after, int n) => string.Create(CultureInfo.InvariantCulture,
    $"memory managed_before_kib={before.ManagedKib} managed_after_kib={after.ManagedKib} rss_before_kib={before.RssKib} rss_after_kib={after.RssKib} " +
    $"managed_per_instance_kib={(after.ManagedKib - before.ManagedKib) / (double)n:F1} rss_per_instance_kib={(after.RssKib - before.RssKib) / (double)n:F1}");

static async Task<int> RunFleetAsync(Args opts, CancellationToken ct)
{
    var options = FleetOptionsFrom(opts);
    using var framework = await FrameworkAsync(opts, ConfigRole.Server, ct);
    var before = Memory.Measure();
    var fleet = new Fleet(framework, framework.Config, options);
    TimeSpan startup;
    try
    {
        startup = await fleet.StartAsync(ct);
    }
    catch (OperationCanceledException) when (ct.IsCancellationRequested)
    {
        await fleet.StopAsync();
        return 1;
    }

    var after = Memory.Measure();
    var n = options.Instances;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"ready {n} instances in {startup.TotalSeconds:F1}s ({(options.Plain ? "plain TCP" : "TLS")})"));
    Console.WriteLine(MemoryLine(before, after, n));
    await fleet.StopAsync();
    return 0;
}

static async Task<int> PingAsync(Args opts, CancellationToken ct)
{
    var expected = opts.Int("--expect", 0);
    var rounds = Math.Max(1, opts.Int("--rounds", 5));
    var kind = opts.String("--kind", "discovery") == "rpcutil" ? RequestKind.Rpcutil : RequestKind.Discovery;
    var timeout = TimeSpan.FromSeconds(opts.Double("--timeout", 10));
    IReadOnlyList<string>? nodes = opts.Flag("--direct")
        ? [.. Enumerable.Range(0, expected).Select(i => opts.String("--identity-prefix", "emulated-") + i.ToString(CultureInfo.InvariantCulture))]
        : null;

    var total = Stopwatch.StartNew();
    using var framework = await FrameworkAsync(opts, ConfigRole.Client, ct);
    await using var connection = await ConnectAsync(framework, opts.Flag("--plain"), ct);
    var connect = total.Elapsed;
    var client = new FanOutClient(framework, connection);
    // Warm-up rounds JIT the client and fill the fleet's certificate cache; they are not reported.
    for (var i = 0; i < opts.Int("--warmup", 1); i++)
    {
        await client.RoundAsync(kind, expected, nodes, timeout, ct);
    }

    var results = new List<RoundResult>(rounds);
    for (var i = 0; i < rounds; i++)
    {
        results.Add(await client.RoundAsync(kind, expected, nodes, timeout, ct));
    }

    var summary = new PingSummary(kind.ToString().ToLowerInvariant(), nodes is null ? "broadcast" : "direct", expected, connect.TotalMilliseconds,
        Stats.Median(results.Select(r => r.LastReplyMs)), results.Min(r => r.LastReplyMs), results.Max(r => r.LastReplyMs),
        Stats.Median(results.Select(r => r.RoundMs)), results.Min(r => r.RoundMs), results.Max(r => r.RoundMs),
        results.Sum(r => (long)r.Received), (long)expected * rounds, results);
    if (opts.Flag("--json"))
    {
        Console.WriteLine(JsonSerializer.Serialize(summary, EmulatorJson.Default.PingSummary));
    }
    else
    {
        foreach (var r in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Received}/{expected} replies; publish {r.PublishMs:F1} ms; publish→last reply {r.LastReplyMs:F1} ms; round {r.RoundMs:F1} ms"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"publish→last reply median {summary.LastReplyMedianMs:F1} ms (min {summary.LastReplyMinMs:F1}, max {summary.LastReplyMaxMs:F1}); replies {summary.RepliesReceived}/{summary.RepliesExpected}"));
    }

    return summary.RepliesReceived == summary.RepliesExpected ? 0 : 1;
}

static async Task<int> LoadAsync(Args opts, CancellationToken ct)
{
    var expected = opts.Int("--expect", 0);
    using var framework = await FrameworkAsync(opts, ConfigRole.Client, ct);
    await using var connection = await ConnectAsync(framework, opts.Flag("--plain"), ct);
    var client = new FanOutClient(framework, connection);
    var result = await client.LoadAsync(expected, opts.Double("--rate", 2), TimeSpan.FromSeconds(opts.Double("--duration", 60)),
        TimeSpan.FromSeconds(opts.Double("--grace", 10)), ct);
    if (opts.Flag("--json"))
    {
        Console.WriteLine(JsonSerializer.Serialize(result, EmulatorJson.Default.LoadResult));
    }
    else
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{result.Requests} requests in {result.Seconds:F1}s to {expected} nodes: replies {result.RepliesReceived}/{result.RepliesExpected} (lost {result.Lost}); " +
            $"reply latency p50 {result.ReplyP50Ms:F1} ms p99 {result.ReplyP99Ms:F1} ms max {result.ReplyMaxMs:F1} ms; last reply p50 {result.LastReplyP50Ms:F1} ms p99 {result.LastReplyP99Ms:F1} ms"));
    }

    return result.Lost == 0 ? 0 : 1;
}

static async Task<Choria.Connector.ChoriaConnection> ConnectAsync(ChoriaFramework framework, bool plain, CancellationToken ct)
{
    var brokers = await framework.ResolveBrokersAsync(allowFederation: false, ct);
    var options = framework.ConnectorOptions(brokers, framework.Certname);
    options = options with { Tls = plain ? null : options.Tls, SubscriptionCapacity = 65536 };
    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
    timeout.CancelAfter(TimeSpan.FromSeconds(20));
    return await Choria.Connector.ChoriaConnection.ConnectAsync(options, framework.Loggers.CreateLogger("Choria.Connector"), timeout.Token);
}

namespace Choria.Emulator
{
    internal readonly record struct Memory(long ManagedKib, long RssKib)
    {
        public static Memory Measure()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            using var self = Process.GetCurrentProcess();
            return new Memory(GC.GetTotalMemory(forceFullCollection: true) / 1024, self.WorkingSet64 / 1024);
        }
    }

    internal sealed record PingSummary(
        string Kind,
        string Mode,
        int Expected,
        double ConnectMs,
        double LastReplyMedianMs,
        double LastReplyMinMs,
        double LastReplyMaxMs,
        double RoundMedianMs,
        double RoundMinMs,
        double RoundMaxMs,
        long RepliesReceived,
        long RepliesExpected,
        IReadOnlyList<RoundResult> Rounds);

    [JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
    [JsonSerializable(typeof(PingSummary))]
    [JsonSerializable(typeof(LoadResult))]
    internal sealed partial class EmulatorJson : JsonSerializerContext;
}
