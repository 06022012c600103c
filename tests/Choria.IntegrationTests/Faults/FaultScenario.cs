using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Choria.IntegrationTests.Infrastructure;

namespace Choria.IntegrationTests.Faults;

/// <summary>Counts of one <c>choria req ... --json</c> run.</summary>
public sealed record ReqOutcome(int ExitCode, int Responses, int Ok, IReadOnlyList<string> Senders, string Stderr, TimeSpan Wall);

/// <summary>
/// The pieces the fault tests share on top of <see cref="ChoriaTestNetwork"/>: emulated fleets (the bench emulator:
/// N real server instances in one process), <c>choria req</c>/<c>choria ping</c> runs, CPU time and metrics of the
/// processes under test. One per test; disposing it stops everything.
/// </summary>
public sealed class FaultScenario : IAsyncDisposable
{
    private readonly List<ManagedProcess> _fleets = [];
    private readonly List<string> _nodes = [];

    public ChoriaTestNetwork Network { get; } = new();

    /// <summary>Every node identity started so far (emulated and real).</summary>
    public IReadOnlyList<string> Nodes => _nodes;

    public string ClientConfig { get; private set; } = "";

    /// <summary>The broker, a client config and the nodes file path.</summary>
    public async Task StartBrokerAsync(TestBrokerKind kind = TestBrokerKind.ChoriaBroker)
    {
        await Network.StartBrokerAsync(kind);
        ClientConfig = Network.WriteClientConfig("rip.mcollective");
    }

    /// <summary>The client config for brokers this scenario started itself (a cluster).</summary>
    public void UseBrokers(string middlewareHosts) => ClientConfig = Network.WriteClientConfig("rip.mcollective", middlewareHosts: middlewareHosts);

    /// <summary>
    /// Starts <paramref name="count"/> emulated nodes named <paramref name="prefix"/>0.. connected to
    /// <paramref name="middlewareHosts"/> (default the broker); returns once all answer.
    /// </summary>
    public async Task<ManagedProcess> StartFleetAsync(string prefix, int count, string? middlewareHosts = null, string extraConfig = "")
    {
        var config = Path.Combine(Network.Root, $"fleet-{prefix.TrimEnd('-', '.')}.conf");
        await File.WriteAllTextAsync(config, Network.BaseConfig("fleet.example.net", "fleet.example.net", middlewareHosts) + "loglevel = warn\n" + extraConfig);
        var fleet = ManagedProcess.Start(EmulatorBinary.Path,
            ["run", "--config", config, "--instances", count.ToString(CultureInfo.InvariantCulture), "--identity-prefix", prefix, "--facts-variety", "10"]);
        _fleets.Add(fleet);
        await fleet.WaitForOutputAsync("ready ", TimeSpan.FromSeconds(120));
        _nodes.AddRange(Enumerable.Range(0, count).Select(i => prefix + i.ToString(CultureInfo.InvariantCulture)));
        return fleet;
    }

    /// <summary>A real <c>choria server run</c> with its metrics endpoint on <paramref name="statsPort"/>.</summary>
    public async Task<ChoriaServerNode> StartServerAsync(string identity, int statsPort, string? middlewareHosts = null)
    {
        var node = await Network.StartServerAsync(identity, extraConfig: $"plugin.choria.stats_address = 127.0.0.1\nplugin.choria.stats_port = {statsPort}\n", middlewareHosts: middlewareHosts, readyTimeout: TimeSpan.FromSeconds(120));
        _nodes.Add(identity);
        return node;
    }

    /// <summary>Writes the current <see cref="Nodes"/> as a <c>--nodes</c> file.</summary>
    public string NodesFile()
    {
        var path = Path.Combine(Network.Root, "nodes.txt");
        File.WriteAllLines(path, _nodes);
        return path;
    }

    public ManagedProcess StartReq(params string[] arguments) =>
        Network.StartChoria(["req", .. arguments, "--json", "--config", ClientConfig]);

    /// <summary>Runs <c>choria req</c> with <c>--json</c> and reads the counts from its output.</summary>
    public async Task<ReqOutcome> ReqAsync(TimeSpan timeout, params string[] arguments)
    {
        var watch = Stopwatch.StartNew();
        var process = StartReq(arguments);
        var code = await process.WaitForExitAsync(timeout);
        return Outcome(process, code, watch.Elapsed);
    }

    public static ReqOutcome Outcome(ManagedProcess process, int code, TimeSpan wall)
    {
        var json = process.Stdout;
        if (json.IndexOf('{', StringComparison.Ordinal) is var start and >= 0)
        {
            using var doc = JsonDocument.Parse(json[start..]);
            var stats = doc.RootElement.GetProperty("request_stats");
            var senders = doc.RootElement.GetProperty("replies").EnumerateArray().Select(r => r.GetProperty("sender").GetString()!).ToList();
            return new ReqOutcome(code, stats.GetProperty("responses").GetInt32(), stats.GetProperty("ok").GetInt32(), senders, process.Stderr, wall);
        }

        return new ReqOutcome(code, 0, 0, [], process.Stderr, wall);
    }

    /// <summary>
    /// Broadcast pings (<c>choria ping --expect</c>) until every node answers or <paramref name="limit"/> passes;
    /// returns how long that took, or null.
    /// </summary>
    public async Task<TimeSpan?> WaitAllAnswerAsync(TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        var expect = _nodes.Count.ToString(CultureInfo.InvariantCulture);
        while (watch.Elapsed < limit)
        {
            var (_, output) = await Network.RunChoriaAsync(["ping", "--expect", expect, "--timeout", "3", "--silent", "--config", ClientConfig], TimeSpan.FromSeconds(30));
            if (output.Contains($"\n{expect} replies max:", StringComparison.Ordinal) || output.StartsWith($"{expect} replies max:", StringComparison.Ordinal))
            {
                return watch.Elapsed;
            }
        }

        return null;
    }

    /// <summary>User plus system CPU time a process has used so far (/proc/PID/stat).</summary>
    public static TimeSpan CpuTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the command name, which is in parentheses and may contain spaces.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ is 100 on Linux
    }

    /// <summary>Share of one core <paramref name="pid"/> used over <paramref name="window"/>.</summary>
    public static async Task<double> CpuShareAsync(int pid, TimeSpan window)
    {
        var before = CpuTime(pid);
        await Task.Delay(window);
        return (CpuTime(pid) - before) / window;
    }

    /// <summary>Resident memory of a process in KiB (/proc/PID/status VmRSS).</summary>
    public static long RssKib(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);

    /// <summary>The nats-server child of a <c>choria broker run</c> process.</summary>
    public static int NatsChildPid(int brokerPid)
    {
        foreach (var task in Directory.EnumerateDirectories($"/proc/{brokerPid}/task"))
        {
            foreach (var child in File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var pid = int.Parse(child, CultureInfo.InvariantCulture);
                if (File.ReadAllText($"/proc/{pid}/comm").Trim() == "nats-server")
                {
                    return pid;
                }
            }
        }

        throw new InvalidOperationException($"broker {brokerPid} has no nats-server child");
    }

    /// <summary>
    /// Sum of the samples of Prometheus metric <paramref name="name"/> whose labels contain <paramref name="label"/>
    /// (e.g. <c>reason="queue_full"</c>); null when there is none.
    /// </summary>
    public static async Task<double?> MetricAsync(int port, string name, string label = "")
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/choria/prometheus"));
        double? sum = null;
        foreach (var line in text.Split('\n'))
        {
            if ((line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal)) && line.Contains(label, StringComparison.Ordinal))
            {
                sum = (sum ?? 0) + double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return sum;
    }

    /// <summary>Scrapes until the metric reaches <paramref name="atLeast"/> (false after 10 s): a log line can reach the test before the scrape sees its count.</summary>
    public static async Task<bool> WaitForMetricAsync(int port, string name, string label, double atLeast)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            if (await MetricAsync(port, name, label) >= atLeast)
            {
                return true;
            }

            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var fleet in _fleets)
        {
            await fleet.DisposeAsync();
        }

        await Network.DisposeAsync();
    }
}
