using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Choria.IntegrationTests.Infrastructure;

namespace Choria.IntegrationTests.Federation;

/// <summary>End to end through the real binaries: a federated client reaches servers in two collectives (docs/federation.md).</summary>
[Trait(TestCategory.Name, TestCategory.Process)]
public sealed partial class FederationEndToEndTests(FederationNetworkFixture fixture) : IClassFixture<FederationNetworkFixture>
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ChoriaTestNetwork _network = fixture.Network;

    [GeneratedRegex(@"^choria_federation_(received_msgs|errors)\{([^}]*)\} (\S+)$", RegexOptions.Multiline)]
    private static partial Regex FederationCounter();

    private Task<(int ExitCode, string Output)> RunAsync(params string[] args) =>
        _network.RunChoriaAsync([.. args, "--config", fixture.ClientConfig], s_timeout);

    private static void Ok((int ExitCode, string Output) result) => Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}:\n{result.Output}");

    /// <summary>Every identity line, sorted but not de-duplicated, so a node answering twice shows up twice.</summary>
    private static List<string> Names(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.EndsWith(".example.net", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

    private static JsonElement Json(string output)
    {
        var start = output.IndexOf('{', StringComparison.Ordinal);
        var end = output.LastIndexOf('}');
        Assert.True(start >= 0 && end > start, "no JSON in output:\n" + output);
        return JsonDocument.Parse(output[start..(end + 1)]).RootElement.Clone();
    }

    /// <summary>Reply senders in output order, duplicates kept.</summary>
    private static List<string> Senders(JsonElement doc) =>
        [.. doc.GetProperty("replies").EnumerateArray().Select(r => r.GetProperty("sender").GetString()!).Order(StringComparer.Ordinal)];

    /// <summary>Sum of one federation counter over every worker of one stage.</summary>
    private static async Task<double> CounterAsync(int statsPort, string metric, string stage)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{statsPort}/choria/prometheus"));
        return FederationCounter().Matches(text)
            .Where(m => m.Groups[1].Value == metric && m.Groups[2].Value.Contains($"name=\"{stage}\"", StringComparison.Ordinal))
            .Sum(m => double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Ping_text_output_lists_both_collectives()
    {
        var result = await RunAsync("ping", "-t", "1");
        Ok(result);
        foreach (var node in FederationNetworkFixture.AllNodes)
        {
            Assert.Contains(node, result.Output, StringComparison.Ordinal);
        }

        Assert.Contains("4 replies", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Repeated_pings_through_two_alpha_instances_return_every_node_exactly_once()
    {
        var before = await Task.WhenAll(fixture.AlphaBrokerStatsPorts.Select(p => CounterAsync(p, "received_msgs", "nats_ingest")));

        // Two rounds of three concurrent runs (more starve the connect timeout on a busy machine):
        // each request must be handled by exactly one worker of one alpha instance.
        var runs = new List<(int ExitCode, string Output)>();
        for (var round = 0; round < 2; round++)
        {
            runs.AddRange(await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => RunAsync("ping", "--names", "-t", "1"))));
        }

        foreach (var run in runs)
        {
            Ok(run);
            Assert.Equal(FederationNetworkFixture.AllNodes, Names(run.Output));
        }

        // 6 requests and 12 alpha replies shared by 20 queue subscribers: both instances carried some.
        var after = await Task.WhenAll(fixture.AlphaBrokerStatsPorts.Select(p => CounterAsync(p, "received_msgs", "nats_ingest")));
        var carried = after.Zip(before, (a, b) => a - b).ToList();
        Assert.All(carried, c => Assert.True(c > 0, $"an alpha instance carried nothing: {string.Join(", ", carried)}"));
        Assert.Equal(6 * 3, carried.Sum());
    }

    [Fact]
    public async Task Req_broadcast_gets_each_reply_exactly_once()
    {
        var result = await RunAsync("req", "rpcutil", "ping", "--json");
        Ok(result);
        var doc = Json(result.Output);
        Assert.Equal(FederationNetworkFixture.AllNodes, Senders(doc));
        var stats = doc.GetProperty("request_stats");
        Assert.Equal(4, stats.GetProperty("discovered").GetInt32());
        Assert.Equal(4, stats.GetProperty("responses").GetInt32());
        Assert.Equal(4, stats.GetProperty("ok").GetInt32());
        Assert.Empty(stats.GetProperty("no_responses").EnumerateArray());
    }

    [Fact]
    public async Task Req_fact_filter_selects_across_collectives()
    {
        var result = await RunAsync("req", "rpcutil", "get_fact", "fact=collective_network", "-C", "role::web", "--json");
        Ok(result);
        var doc = Json(result.Output);
        Assert.Equal([FederationNetworkFixture.Alpha1, FederationNetworkFixture.Beta1], Senders(doc));
        var values = doc.GetProperty("replies").EnumerateArray().ToDictionary(r => r.GetProperty("sender").GetString()!, r => r.GetProperty("data").GetProperty("value").GetString());
        Assert.Equal("alpha", values[FederationNetworkFixture.Alpha1]);
        Assert.Equal("beta", values[FederationNetworkFixture.Beta1]);
    }

    [Fact]
    public async Task Direct_request_from_a_nodes_file_reaches_only_the_listed_nodes()
    {
        var file = Path.Combine(_network.Root, "fed-nodes.txt");
        await File.WriteAllLinesAsync(file, [FederationNetworkFixture.Alpha2, FederationNetworkFixture.Beta1, "ghost.example.net"]);

        var result = await RunAsync("req", "rpcutil", "ping", "--nodes", file, "--json");
        Ok(result);
        var doc = Json(result.Output);
        Assert.Equal([FederationNetworkFixture.Alpha2, FederationNetworkFixture.Beta1], Senders(doc));
        var stats = doc.GetProperty("request_stats");
        Assert.Equal(3, stats.GetProperty("discovered").GetInt32());
        Assert.Equal(["ghost.example.net"], stats.GetProperty("no_responses").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Identity_filter_request_reaches_one_node()
    {
        var result = await RunAsync("req", "rpcutil", "inventory", "-I", FederationNetworkFixture.Beta2, "--json");
        Ok(result);
        Assert.Equal([FederationNetworkFixture.Beta2], Senders(Json(result.Output)));
    }

    [Fact]
    public async Task Bad_input_is_counted_and_the_brokers_keep_relaying()
    {
        var errorsBefore = await TotalErrorsAsync();

        // Garbage and an unfederated transport on the request path; an unfederated reply on the reply path.
        var garbage = Path.Combine(_network.Root, "garbage.txt");
        var unfederated = Path.Combine(_network.Root, "unfederated.json");
        await File.WriteAllTextAsync(garbage, "this is not json");
        await File.WriteAllTextAsync(unfederated, """{"protocol":"choria:transport:1","data":"e30=","headers":{"reply-to":"x","mc_sender":"bad"}}""");
        foreach (var (subject, file) in new[] { ("choria.federation.alpha.federation", garbage), ("choria.federation.alpha.federation", unfederated) })
        {
            Ok(await _network.RunChoriaAsync(["tool", "pub", subject, "--input", file, "--config", fixture.FederationNetworkConfig], s_timeout));
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        var errors = await TotalErrorsAsync();
        while (errors < errorsBefore + 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            errors = await TotalErrorsAsync();
        }

        Assert.Equal(errorsBefore + 2, errors);
        Assert.All(fixture.FederationBrokers, b => Assert.False(b.HasExited, b.Output));
        var ping = await RunAsync("ping", "--names", "-t", "1");
        Ok(ping);
        Assert.Equal(FederationNetworkFixture.AllNodes, Names(ping.Output));

        async Task<double> TotalErrorsAsync() =>
            (await Task.WhenAll(fixture.AlphaBrokerStatsPorts.Select(p => CounterAsync(p, "errors", "nats_ingest")))).Sum();
    }
}
