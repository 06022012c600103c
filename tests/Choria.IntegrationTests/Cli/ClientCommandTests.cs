using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Choria.IntegrationTests.Infrastructure;

namespace Choria.IntegrationTests.Cli;

/// <summary>End to end through the real binary: client commands against our broker and three real servers.</summary>
[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class ClientCommandTests(ClientNetworkFixture fixture) : IClassFixture<ClientNetworkFixture>
{
    private const string Node1 = ClientNetworkFixture.Node1;
    private const string Node2 = ClientNetworkFixture.Node2;
    private const string Node3 = ClientNetworkFixture.Node3;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private static readonly string[] s_all = [Node1, Node2, Node3];
    private readonly ChoriaTestNetwork _network = fixture.Network;

    /// <summary>Runs choria with the fixture's client config; discovery stops once nobody new answered for a moment.</summary>
    private Task<(int ExitCode, string Output)> RunAsync(params string[] args) =>
        _network.RunChoriaAsync([.. args, "--config", fixture.ClientConfig], s_timeout);

    private Task<(int ExitCode, string Output)> PingAsync(params string[] args) => RunAsync(["ping", "--names", "-t", "1", .. args]);

    private static List<string> Names(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.EndsWith(".example.net", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

    /// <summary>The JSON document in the output (logging, if any, goes around it).</summary>
    private static JsonElement Json(string output)
    {
        var start = output.IndexOfAny(['{', '[']);
        var end = output.LastIndexOfAny(['}', ']']);
        Assert.True(start >= 0 && end > start, "no JSON in output:\n" + output);
        return JsonDocument.Parse(output[start..(end + 1)]).RootElement.Clone();
    }

    private static void Ok((int ExitCode, string Output) result) => Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}:\n{result.Output}");

    private static Dictionary<string, JsonElement> RepliesBySender(JsonElement doc) =>
        doc.GetProperty("replies").EnumerateArray().ToDictionary(r => r.GetProperty("sender").GetString()!, r => r);

    private async Task<long> TotalRequestsAsync(string node)
    {
        var result = await RunAsync("req", "rpcutil", "daemon_stats", "-I", node, "--json");
        Ok(result);
        var reply = Assert.Single(Json(result.Output).GetProperty("replies").EnumerateArray());
        return reply.GetProperty("data").GetProperty("total").GetInt64();
    }

    [Fact]
    public async Task Ping_reaches_every_server_and_prints_statistics()
    {
        var result = await RunAsync("ping", "-t", "1");
        Ok(result);
        foreach (var node in s_all)
        {
            Assert.Contains(node, result.Output, StringComparison.Ordinal);
        }

        Assert.Contains("replies max:", result.Output, StringComparison.Ordinal);
        Assert.Contains("---- ping statistics ----", result.Output, StringComparison.Ordinal);
        Assert.Contains("3 replies", result.Output, StringComparison.Ordinal);

        var names = await PingAsync();
        Ok(names);
        Assert.Equal(s_all, Names(names.Output));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("5")]
    public async Task Ping_and_req_get_each_reply_once_whatever_the_worker_count(string workers)
    {
        var ping = await RunAsync("ping", "-t", "1", "--workers", workers, "--silent");
        Ok(ping);
        Assert.Contains("3 replies", ping.Output, StringComparison.Ordinal);

        var req = await RunAsync("req", "rpcutil", "ping", "--workers", workers, "--json");
        Ok(req);
        var stats = Json(req.Output).GetProperty("request_stats");
        Assert.Equal(3, stats.GetProperty("responses").GetInt32());
        Assert.Equal(s_all, RepliesBySender(Json(req.Output)).Keys.Order(StringComparer.Ordinal));
        Assert.Empty(stats.GetProperty("no_responses").EnumerateArray());
    }

    [Theory]
    [InlineData("-F country=mt", Node1)]
    [InlineData("-C role::web", Node1 + " " + Node3)]
    [InlineData("-I node1.example.net", Node1)]
    [InlineData("-I /node[23]/", Node2 + " " + Node3)]
    [InlineData("-A rpcutil", Node1 + " " + Node2 + " " + Node3)]
    [InlineData("-A nosuchagent", "")]
    [InlineData("-F role=web -F country=uk", Node3)]
    public async Task Ping_filters_select_the_matching_servers(string filter, string expected)
    {
        var result = await PingAsync(filter.Split(' '));
        Ok(result);
        Assert.Equal(expected.Split(' ', StringSplitOptions.RemoveEmptyEntries), Names(result.Output));
    }

    [Theory]
    [InlineData("-W", "role::web country=uk", Node3)]
    [InlineData("-S", "country=mt or country=de", Node1 + " " + Node2)]
    public async Task Ping_combined_and_compound_filters_select_the_matching_servers(string option, string value, string expected)
    {
        var result = await PingAsync(option, value);
        Ok(result);
        Assert.Equal(expected.Split(' '), Names(result.Output));
    }

    [Fact]
    public async Task Req_text_output_lists_every_node_and_the_footer()
    {
        var result = await RunAsync("req", "rpcutil", "ping", "--np");
        Ok(result);
        foreach (var node in s_all)
        {
            Assert.Contains(node, result.Output, StringComparison.Ordinal);
        }

        Assert.Contains("Finished processing 3 / 3 hosts", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("No Responses from", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Req_json_has_replies_and_request_stats()
    {
        var result = await RunAsync("req", "rpcutil", "ping", "--json");
        Ok(result);
        var doc = Json(result.Output);
        Assert.Equal("rpcutil", doc.GetProperty("agent").GetString());
        Assert.Equal("ping", doc.GetProperty("action").GetString());
        var replies = RepliesBySender(doc);
        Assert.Equal(s_all, replies.Keys.Order(StringComparer.Ordinal));
        Assert.All(replies.Values, r =>
        {
            Assert.Equal(0, r.GetProperty("statuscode").GetInt32());
            Assert.Equal("OK", r.GetProperty("statusmsg").GetString());
            Assert.True(r.GetProperty("data").GetProperty("pong").GetInt64() > 1_600_000_000);
        });
        var stats = doc.GetProperty("request_stats");
        Assert.Equal(3, stats.GetProperty("discovered").GetInt32());
        Assert.Equal(3, stats.GetProperty("responses").GetInt32());
        Assert.Equal(3, stats.GetProperty("ok").GetInt32());
        Assert.Equal(0, stats.GetProperty("failed").GetInt32());
        Assert.Empty(stats.GetProperty("no_responses").EnumerateArray());
        Assert.Equal(32, stats.GetProperty("requestid").GetString()!.Length);
    }

    [Fact]
    public async Task Req_get_fact_returns_each_nodes_value()
    {
        var result = await RunAsync("req", "rpcutil", "get_fact", "fact=country", "--json");
        Ok(result);
        var replies = RepliesBySender(Json(result.Output));
        Assert.Equal("mt", replies[Node1].GetProperty("data").GetProperty("value").GetString());
        Assert.Equal("de", replies[Node2].GetProperty("data").GetProperty("value").GetString());
        Assert.Equal("uk", replies[Node3].GetProperty("data").GetProperty("value").GetString());
        Assert.All(replies.Values, r => Assert.Equal("country", r.GetProperty("data").GetProperty("fact").GetString()));
    }

    [Fact]
    public async Task Req_batch_still_reaches_every_node()
    {
        var result = await RunAsync("req", "rpcutil", "ping", "--batch", "1", "--batch-sleep", "0", "--json");
        Ok(result);
        var doc = Json(result.Output);
        Assert.Equal(s_all, RepliesBySender(doc).Keys.Order(StringComparer.Ordinal));
        Assert.Equal(3, doc.GetProperty("request_stats").GetProperty("responses").GetInt32());
    }

    [Fact]
    public async Task Req_limit_targets_one_node()
    {
        var result = await RunAsync("req", "rpcutil", "ping", "--limit", "1", "--json");
        Ok(result);
        var doc = Json(result.Output);
        var sender = Assert.Single(RepliesBySender(doc).Keys);
        Assert.Contains(sender, s_all);
        Assert.Equal(1, doc.GetProperty("request_stats").GetProperty("responses").GetInt32());
    }

    private async Task<Dictionary<string, long>> RepliesSentAsync()
    {
        var result = await RunAsync("req", "rpcutil", "daemon_stats", "--json");
        Ok(result);
        return RepliesBySender(Json(result.Output)).ToDictionary(r => r.Key, r => r.Value.GetProperty("data").GetProperty("replies").GetInt64());
    }

    [Fact]
    public async Task Req_limit_above_the_direct_addressing_threshold_leaves_the_excluded_node_alone()
    {
        // Threshold 1 makes a 2-node limit exceed it, as "--limit 20" on 50 nodes would with the default 10.
        var config = _network.WriteClientConfig("limit.mcollective", "discovery_timeout = 1\ndirect_addressing_threshold = 1\n");
        var before = await RepliesSentAsync();
        var baseline = await RepliesSentAsync();

        var result = await _network.RunChoriaAsync(["req", "rpcutil", "ping", "--limit", "2", "--json", "--config", config], s_timeout);
        Ok(result);
        var doc = Json(result.Output);
        var chosen = RepliesBySender(doc).Keys.ToList();
        Assert.Equal(2, chosen.Count);
        Assert.Empty(doc.GetProperty("request_stats").GetProperty("unexpected_responses").EnumerateArray());
        var excluded = Assert.Single(s_all.Except(chosen));
        var after = await RepliesSentAsync();

        // Each node answered one daemon_stats round (discovery + request) per RepliesSentAsync call, the
        // limited run's discovery, and, only if targeted, the ping itself.
        long Delta(string node) => after[node] - baseline[node] - (baseline[node] - before[node]);
        Assert.All(chosen, n => Assert.Equal(2, Delta(n)));
        Assert.Equal(1, Delta(excluded));
    }

    [Fact]
    public async Task Req_nodes_file_with_an_unknown_node_reports_it_as_not_responding()
    {
        var file = Path.Combine(_network.Root, "nodes.txt");
        await File.WriteAllLinesAsync(file, [Node1, Node2, "ghost.example.net"]);

        var json = await RunAsync("req", "rpcutil", "ping", "--nodes", file, "--json");
        Ok(json);
        var doc = Json(json.Output);
        Assert.Equal([Node1, Node2], RepliesBySender(doc).Keys.Order(StringComparer.Ordinal));
        var stats = doc.GetProperty("request_stats");
        Assert.Equal(3, stats.GetProperty("discovered").GetInt32());
        Assert.Equal(2, stats.GetProperty("responses").GetInt32());
        Assert.Equal(["ghost.example.net"], stats.GetProperty("no_responses").EnumerateArray().Select(e => e.GetString()));

        var text = await RunAsync("req", "rpcutil", "ping", "--nodes", file, "--np");
        Ok(text);
        Assert.Contains("Finished processing 2 / 3 hosts", text.Output, StringComparison.Ordinal);
        Assert.Contains("No Responses from:", text.Output, StringComparison.Ordinal);
        var after = text.Output[text.Output.IndexOf("No Responses from:", StringComparison.Ordinal)..];
        Assert.Contains("ghost.example.net", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Action_failing_on_some_nodes_is_summarised_and_exits_zero()
    {
        var json = await RunAsync("req", "rpcutil", "get_config_item", $"item={ClientNetworkFixture.MarkerKey}", "--json");
        Ok(json);
        var doc = Json(json.Output);
        var replies = RepliesBySender(doc);
        Assert.Equal(0, replies[Node1].GetProperty("statuscode").GetInt32());
        Assert.Equal("present", replies[Node1].GetProperty("data").GetProperty("value").GetString());
        foreach (var node in new[] { Node2, Node3 })
        {
            Assert.Equal(1, replies[node].GetProperty("statuscode").GetInt32());
            Assert.Equal("Unknown key", replies[node].GetProperty("statusmsg").GetString());
        }

        var stats = doc.GetProperty("request_stats");
        Assert.Equal(1, stats.GetProperty("ok").GetInt32());
        Assert.Equal(2, stats.GetProperty("failed").GetInt32());

        var verbose = await RunAsync("req", "rpcutil", "get_config_item", $"item={ClientNetworkFixture.MarkerKey}", "--np", "-v");
        Ok(verbose);
        Assert.Contains("Unknown key", verbose.Output, StringComparison.Ordinal);
        Assert.Contains("Nodes: 3 / 3", verbose.Output, StringComparison.Ordinal);
        Assert.Contains("Pass / Fail: 1 / 2", verbose.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_input_is_rejected_from_the_ddl_before_anything_is_sent()
    {
        // Discovery and the daemon_stats request both count, so measure what a plain stats call adds first.
        var first = await TotalRequestsAsync(Node1);
        var before = await TotalRequestsAsync(Node1);
        var perStatsCall = before - first;

        var missing = await RunAsync("req", "rpcutil", "get_fact", "--np");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("fact", missing.Output, StringComparison.Ordinal);

        var unknownAction = await RunAsync("req", "rpcutil", "no_such_action", "--np");
        Assert.Equal(1, unknownAction.ExitCode);
        Assert.Contains("no_such_action", unknownAction.Output, StringComparison.Ordinal);

        var badType = await RunAsync("req", "rpcutil", "get_fact", "fact=", "--np");
        Assert.Equal(1, badType.ExitCode);

        // Only the stats call itself (and its discovery) arrived since.
        Assert.Equal(before + perStatsCall, await TotalRequestsAsync(Node1));
    }

    [Fact]
    public async Task Discover_lists_matching_nodes_as_text_and_json()
    {
        var text = await RunAsync("discover");
        Ok(text);
        Assert.Equal(s_all, Names(text.Output));

        var json = await RunAsync("discover", "-j", "-C", "role::web");
        Ok(json);
        Assert.Equal([Node1, Node3], Json(json.Output).EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Facts_reports_each_value_and_its_nodes()
    {
        var result = await RunAsync("facts", "country");
        Ok(result);
        Assert.Contains("Report for fact: country", result.Output, StringComparison.Ordinal);
        foreach (var value in new[] { "mt", "de", "uk" })
        {
            Assert.Matches($@"(?m)^\s*{value}\s+found 1 times", result.Output);
        }
    }

    [Fact]
    public async Task Inventory_shows_one_nodes_agents_classes_and_facts()
    {
        var result = await RunAsync("inventory", Node1);
        Ok(result);
        Assert.Contains(Node1, result.Output, StringComparison.Ordinal);
        Assert.Contains("rpcutil", result.Output, StringComparison.Ordinal);
        Assert.Contains("apache", result.Output, StringComparison.Ordinal);
        Assert.Contains("country", result.Output, StringComparison.Ordinal);
        Assert.Contains("mt", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Node2, result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tool_event_sees_a_server_start_and_exits_zero_on_sigterm()
    {
        var events = _network.StartChoria(["tool", "event", "--type", "startup", "--config", fixture.ClientConfig]);
        await events.WaitForOutputAsync("Waiting for events from topic", s_timeout);

        var node4 = await _network.StartServerAsync("node4.example.net", """{"country":"fr"}""");
        try
        {
            await events.WaitForOutputAsync("node4.example.net", s_timeout);
            Assert.Contains(events.Lines, l => l.Contains("node4.example.net", StringComparison.Ordinal) && l.Contains("startup", StringComparison.OrdinalIgnoreCase));
        }
        finally
        {
            // The other tests expect exactly three servers.
            Assert.Equal(0, await node4.Process.TerminateAsync(s_timeout));
        }

        Assert.Equal(0, await events.TerminateAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Tool_status_checks_a_running_servers_status_file()
    {
        var status = Path.Combine(_network.Root, "node1-status.json");
        var deadline = DateTime.UtcNow + s_timeout;
        while (!File.Exists(status) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var result = await _network.RunChoriaAsync(["tool", "status", "--status-file", status, "--config", fixture.ClientConfig], s_timeout);
        Ok(result);
        Assert.Contains("OK", result.Output, StringComparison.Ordinal);

        var missing = await _network.RunChoriaAsync(["tool", "status", "--status-file", status + ".missing", "--config", fixture.ClientConfig], s_timeout);
        Assert.NotEqual(0, missing.ExitCode);
    }

    [Fact]
    public async Task Ping_with_the_broker_down_fails_clearly_without_hanging()
    {
        var deadBroker = FreePort.Next();
        var config = _network.WriteClientConfig("down.mcollective", $"plugin.choria.middleware_hosts = localhost:{deadBroker}\n");
        var clock = Stopwatch.StartNew();
        var result = await _network.RunChoriaAsync(["ping", "-t", "2", "--config", config], s_timeout);
        clock.Stop();
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("choria: Could not run Choria: could not connect to the Choria broker", result.Output, StringComparison.Ordinal);
        Assert.Contains($"localhost:{deadBroker}", result.Output, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}:\n{result.Output}");
    }

    [Fact]
    public async Task Req_fact_and_class_filters_select_the_matching_servers()
    {
        var byFact = await RunAsync("req", "rpcutil", "ping", "-F", "country=de", "--json");
        Ok(byFact);
        Assert.Equal([Node2], RepliesBySender(Json(byFact.Output)).Keys);

        var byClass = await RunAsync("req", "rpcutil", "ping", "-C", "role::web", "--json");
        Ok(byClass);
        var doc = Json(byClass.Output);
        Assert.Equal([Node1, Node3], RepliesBySender(doc).Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2, doc.GetProperty("request_stats").GetProperty("discovered").GetInt32());
    }

    [Fact]
    public async Task Target_collective_flag_selects_the_sub_collective()
    {
        var main = await PingAsync("-T", "mcollective");
        Ok(main);
        Assert.Equal(s_all, Names(main.Output));

        // No server is in "other": ping hears nobody, req discovers nobody.
        var other = await PingAsync("-T", "other");
        Ok(other);
        Assert.Empty(Names(other.Output));
        var req = await RunAsync("req", "rpcutil", "ping", "-T", "other", "--json");
        Assert.Equal(1, req.ExitCode);
        Assert.Contains("did not discover any nodes", req.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Facts_json_maps_each_value_to_its_count_and_nodes()
    {
        var result = await RunAsync("facts", "role", "--json");
        Ok(result);
        var doc = Json(result.Output);
        Assert.Equal(["db", "web"], doc.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(2, doc.GetProperty("web").GetProperty("count").GetInt32());
        Assert.Equal([Node1, Node3], doc.GetProperty("web").GetProperty("identities").EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal([Node2], doc.GetProperty("db").GetProperty("identities").EnumerateArray().Select(e => e.GetString()!));
    }

    [Fact]
    public async Task Inventory_json_has_the_nodes_inventory_and_daemon_stats()
    {
        var result = await RunAsync("inventory", Node1, "--json");
        Ok(result);
        var doc = Json(result.Output);
        Assert.Equal(Node1, doc.GetProperty("identity").GetString());
        var inventory = doc.GetProperty("inventory");
        Assert.Contains("rpcutil", inventory.GetProperty("agents").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("apache", inventory.GetProperty("classes").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("mt", inventory.GetProperty("facts").GetProperty("country").GetString());
        Assert.True(doc.GetProperty("daemon_stats").GetProperty("total").GetInt64() > 0);

        var noFacts = await RunAsync("inventory", Node1, "--json", "--facts=false");
        Ok(noFacts);
        Assert.False(Json(noFacts.Output).GetProperty("inventory").TryGetProperty("facts", out _));

        var collectives = await RunAsync("inventory", "--collectives", "--json");
        Ok(collectives);
        var report = Json(collectives.Output);
        Assert.Equal(3, report.GetProperty("nodes").GetInt32());
        Assert.Equal(3, report.GetProperty("collectives").GetProperty("mcollective").GetInt32());
    }

    [Fact]
    public async Task Ping_graph_prints_the_line_chart_plain_when_piped()
    {
        var result = await RunAsync("ping", "-t", "1", "--expect", "3", "--graph");
        Ok(result);
        var chart = result.Output[result.Output.IndexOf("---- ping statistics ----", StringComparison.Ordinal)..];
        Assert.Contains("Responses per 50ms", chart, StringComparison.Ordinal);
        // Every reply may land in one 50 ms bin: a flat series is a single row whose axis mark is the
        // series start (┼); otherwise the other rows carry plain axis marks (┤).
        Assert.Matches(new Regex(@"^ +\d+\.\d\d +[┤┼]", RegexOptions.Multiline), chart);
        Assert.Contains("┼", chart, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Req_with_the_broker_down_fails_clearly_without_hanging()
    {
        var deadBroker = FreePort.Next();
        // discovery_timeout is 2 s, but the connect bound is at least 5 s.
        var config = _network.WriteClientConfig("downreq.mcollective", $"plugin.choria.middleware_hosts = localhost:{deadBroker}\ndiscovery_timeout = 2\n");
        var clock = Stopwatch.StartNew();
        var result = await _network.RunChoriaAsync(["req", "rpcutil", "ping", "--json", "--config", config], s_timeout);
        clock.Stop();
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("choria: Could not run Choria: could not connect to the Choria broker within 5s", result.Output, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}:\n{result.Output}");
    }

    [Fact]
    public async Task Tool_event_with_the_broker_down_fails_within_its_connect_timeout()
    {
        var deadBroker = FreePort.Next();
        var config = _network.WriteClientConfig("downevent.mcollective", $"plugin.choria.middleware_hosts = localhost:{deadBroker}\n");
        foreach (var (args, limit) in new (string[] Args, string Limit)[] { (["--connect-timeout", "2s"], "2s"), ([], "5s") })
        {
            var clock = Stopwatch.StartNew();
            var result = await _network.RunChoriaAsync(["tool", "event", .. args, "--config", config], s_timeout);
            clock.Stop();
            Assert.Equal(1, result.ExitCode);
            Assert.Contains($"could not connect to the Choria broker within {limit}", result.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("Waiting for events", result.Output, StringComparison.Ordinal);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}:\n{result.Output}");
        }
    }
}
