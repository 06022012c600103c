using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Choria.Ddl.Ruby;
using Choria.Protocol.Messages;
using Choria.Server.Agents;
using Choria.Server.Agents.Providers.Ruby;
using Microsoft.Extensions.Logging.Abstractions;

// Usage: dotnet run -c Release -- <repo root> [requests=40] [concurrency=2]
// Runs ddlonly#ping of the test agents in Ruby (the shipped shim, real MCollective) and the same action with an
// in-process handler through the same McorpcAgent framework (what a built-in action such as rpcutil#ping costs),
// sequentially for latency and with <concurrency> requests in flight for throughput.
var root = args.Length > 0 ? args[0] : Directory.GetCurrentDirectory();
var requests = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 40;
var concurrency = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2;

var work = Directory.CreateTempSubdirectory("choria-ruby-bench-").FullName;
try
{
    var config = Path.Combine(work, "server.conf");
    File.WriteAllText(config, "identity = bench.example.net\n");
    var options = new RubyAgentProviderOptions
    {
        LibDirs = [Path.Combine(root, "tests", "fixtures", "agents", "ruby")],
        Shim = Path.Combine(root, "src", "Choria.Server", "Agents", "Providers", "Ruby", RubyAgentProviderOptions.ShimFileName),
        ShimConfig = config,
        Converter = new RubyDdlConverterOptions { CacheDirectory = Path.Combine(work, "cache") },
    };
    var provider = new RubyAgentProvider(options);
    var spec = (await provider.DiscoverAsync(null, CancellationToken.None)).Single(s => s.Name == "ddlonly");
    var ruby = provider.CreateAgent(spec, new McorpcAgentOptions(), NullLoggerFactory.Instance);
    var inProcess = new McorpcAgent(ruby.Metadata, spec.Ddl, new McorpcAgentOptions(), NullLogger<McorpcAgent>.Instance)
        .RegisterAction("ping", (_, _) => ValueTask.FromResult(ActionReply.Ok(new JsonObject { ["pong"] = "pong" })))
        .RegisterAction("echo", (_, _) => ValueTask.FromResult(ActionReply.Ok()));

    Console.WriteLine($"# {DateTime.UtcNow:u}, nproc {Environment.ProcessorCount}, load {File.ReadAllText("/proc/loadavg").Trim()}");
    Console.WriteLine($"# {requests} requests sequentially, then {requests} with {concurrency} in flight");
    Console.WriteLine("| action | p50 ms | p99 ms | max ms | sequential req/s | req/s with " + concurrency + " in flight |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|");
    await Measure("in-process (built-in cost)", inProcess, requests * 100);
    await Measure("Ruby shim, one process per request", ruby, requests);
}
finally
{
    Directory.Delete(work, recursive: true);
}

async Task Measure(string label, McorpcAgent agent, int count)
{
    await Call(agent); // warm-up: JIT, page cache
    var latencies = new double[count];
    var sequential = Stopwatch.StartNew();
    for (var i = 0; i < count; i++)
    {
        var t = Stopwatch.StartNew();
        await Call(agent);
        latencies[i] = t.Elapsed.TotalMilliseconds;
    }

    var sequentialRate = count / sequential.Elapsed.TotalSeconds;
    Array.Sort(latencies);

    var next = 0;
    var parallel = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        while (Interlocked.Increment(ref next) <= count)
        {
            await Call(agent);
        }
    }));
    var parallelRate = count / parallel.Elapsed.TotalSeconds;

    double P(double q) => latencies[Math.Min(count - 1, (int)Math.Ceiling(q * count) - 1)];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {label} | {P(0.5):0.###} | {P(0.99):0.###} | {latencies[^1]:0.###} | {sequentialRate:0.#} | {parallelRate:0.#} |"));
}

static async Task Call(McorpcAgent agent)
{
    var result = await agent.HandleAsync(new AgentRequest
    {
        Payload = Encoding.UTF8.GetBytes("""{"agent":"ddlonly","action":"ping","data":{}}"""),
        Envelope = new RequestEnvelope
        {
            Agent = "ddlonly",
            RequestId = "bench",
            CallerId = "choria=bench",
        },
    }, CancellationToken.None);
    if (result.Reply is null || !Encoding.UTF8.GetString(result.Reply).Contains("\"statuscode\":0", StringComparison.Ordinal))
    {
        throw new InvalidOperationException("unexpected reply: " + (result.Reply is null ? result.Error : Encoding.UTF8.GetString(result.Reply)));
    }
}
