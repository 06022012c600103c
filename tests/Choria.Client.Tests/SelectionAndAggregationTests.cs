using System.Text.Json;
using Choria.Config;
using Choria.Ddl;

namespace Choria.Client.Tests;

public class SelectionAndAggregationTests
{
    private static readonly string[] s_nodes = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];

    [Theory]
    [InlineData("3", 3, false)]
    [InlineData("25%", 25, true)]
    public void Limits_parse(string text, int count, bool percent)
    {
        Assert.True(NodeSelection.TryParseLimit(text, out var c, out var p, out _));
        Assert.Equal((count, percent), (c, p));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("101%")]
    [InlineData("x")]
    public void Bad_limits_are_errors(string text) => Assert.False(NodeSelection.TryParseLimit(text, out _, out _, out _));

    [Theory]
    [InlineData(10, 0, true, true)]
    [InlineData(11, 0, true, false)]
    [InlineData(11, 0, false, true)]
    [InlineData(50, 5, true, true)]
    [InlineData(50, 0, false, true)]
    public void Only_a_whole_discovery_above_the_threshold_is_broadcast(int targets, int batch, bool wholeDiscovery, bool direct) =>
        Assert.Equal(direct, ChoriaClient.UseDirectAddressing(new ChoriaClientOptions(), targets, batch, wholeDiscovery));

    [Fact]
    public void Direct_addressing_off_broadcasts_a_whole_discovery_but_never_a_subset()
    {
        var off = new ChoriaClientOptions { DirectAddressing = false };

        Assert.False(ChoriaClient.UseDirectAddressing(off, 2, 0, targetsAreWholeDiscovery: true));
        Assert.True(ChoriaClient.UseDirectAddressing(off, 2, 0, targetsAreWholeDiscovery: false));
    }

    [Theory]
    [InlineData("", true, 10)]
    [InlineData("direct_addressing = f\ndirect_addressing_threshold = 3\n", false, 3)]
    [InlineData("direct_addressing = n\n", false, 10)]
    [InlineData("direct_addressing = t\ndirect_addressing_threshold = 0\n", true, 0)]
    public void Direct_addressing_settings_follow_the_configuration_parser(string text, bool direct, int threshold)
    {
        // One boolean rule for the whole configuration: "f" is false here as everywhere else.
        var options = ChoriaClient.OptionsFromConfig(ConfigLoader.LoadText("identity = node.example.net\n" + text).Config);

        Assert.Equal((direct, threshold), (options.DirectAddressing, options.DirectAddressingThreshold));
    }

    [Theory]
    [InlineData("direct_addressing = maybe\n")]
    [InlineData("direct_addressing_threshold = -1\n")]
    public void Bad_direct_addressing_values_are_configuration_errors(string text) =>
        Assert.Throws<ConfigException>(() => ConfigLoader.LoadText("identity = node.example.net\n" + text));

    [Fact]
    public void First_limit_keeps_the_head_and_percent_rounds_up()
    {
        Assert.Equal(["a", "b", "c"], NodeSelection.ApplyLimit(s_nodes, 3, false, LimitMethod.First, null));
        Assert.Equal(["a", "b", "c"], NodeSelection.ApplyLimit(s_nodes, 25, true, LimitMethod.First, null));
        Assert.Equal(["a"], NodeSelection.ApplyLimit(["a", "b"], 1, true, LimitMethod.First, null));
    }

    [Fact]
    public void Random_limit_is_deterministic_for_a_seed_and_samples_the_whole_list()
    {
        var one = NodeSelection.ApplyLimit(s_nodes, 3, false, LimitMethod.Random, 42);
        var two = NodeSelection.ApplyLimit(s_nodes, 3, false, LimitMethod.Random, 42);
        var picks = Enumerable.Range(0, 50).SelectMany(seed => NodeSelection.ApplyLimit(s_nodes, 3, false, LimitMethod.Random, seed)).ToHashSet();

        Assert.Equal(one, two);
        Assert.Equal(3, one.Distinct().Count());
        Assert.Contains("j", picks);
    }

    [Fact]
    public void Batches_split_in_order()
    {
        var batches = NodeSelection.Batches(s_nodes, 4);

        Assert.Equal([4, 4, 2], batches.Select(b => b.Count));
        Assert.Single(NodeSelection.Batches(s_nodes, 0));
    }

    [Fact]
    public void Node_lists_skip_blank_lines_and_accept_json()
    {
        Assert.True(NodeSelection.TryParseNodes("a\n\n  b \r\n\na\n", out var text, out _));
        Assert.True(NodeSelection.TryParseNodes("""["x", {"sender":"y"}]""", out var json, out _));
        Assert.False(NodeSelection.TryParseNodes("[1]", out _, out _));

        Assert.Equal(["a", "b"], text);
        Assert.Equal(["x", "y"], json);
    }

    [Fact]
    public void Summary_counts_values_and_array_items_of_ok_replies_only()
    {
        var action = new ActionDdl
        {
            Action = "x",
            Output = new() { ["v"] = new OutputItem { DisplayAs = "Value" }, ["n"] = new OutputItem() },
            Aggregate = [Agg("summary", "v"), Agg("average", "n"), Agg("sum", "n")],
        };
        var aggregator = new Aggregator(action);
        aggregator.Add(Reply(0, """{"v":"a","n":1}"""));
        aggregator.Add(Reply(0, """{"v":["a","b"],"n":2}"""));
        aggregator.Add(Reply(0, """{"v":null,"n":6}"""));
        aggregator.Add(Reply(1, """{"v":"zzz","n":100}"""));

        var results = aggregator.Results();

        Assert.Equal("Value", results[0].DisplayAs);
        Assert.Equal([new("a", 2), new("b", 1), new KeyValuePair<string, int>("nil", 1)], results[0].Counts);
        Assert.Equal(3, results[1].Value);
        Assert.Equal(9, results[2].Value);
    }

    [Fact]
    public void Rpcutil_ddl_aggregates_are_recognised()
    {
        var ddl = DdlLoader.LoadBuiltin("rpcutil").Ddl!;

        Assert.False(new Aggregator(ddl.FindAction("get_fact")).IsEmpty);
        Assert.True(new Aggregator(ddl.FindAction("ping")).IsEmpty);
    }

    private static AggregateItem Agg(string function, string output) =>
        new() { Function = function, Args = [JsonDocument.Parse($"\"{output}\"").RootElement.Clone()] };

    private static RpcReply Reply(int code, string data) =>
        new("n", code, code == 0 ? "OK" : "failed", JsonDocument.Parse(data).RootElement.Clone(), DateTimeOffset.UnixEpoch);
}
