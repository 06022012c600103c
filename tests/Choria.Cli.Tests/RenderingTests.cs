using System.Text.Json;
using Choria.Cli.Rendering;
using Choria.Client;
using Choria.Ddl;

namespace Choria.Cli.Tests;

public class RenderingTests
{
    private static readonly ActionDdl s_getFact = DdlLoader.LoadBuiltin("rpcutil").Ddl!.FindAction("get_fact")!;

    private static RpcReply Reply(string sender, int code, string msg, string data) =>
        new(sender, code, msg, JsonDocument.Parse(data).RootElement.Clone(), DateTimeOffset.UnixEpoch);

    private static RpcResult Result()
    {
        var replies = new[]
        {
            Reply("n1.example.net", 0, "OK", """{"fact":"role","value":"db"}"""),
            Reply("n2.example.net", 0, "OK", """{"fact":"role","value":"web"}"""),
            Reply("n3.example.net", 1, "boom", "{}"),
        };
        var aggregator = new Aggregator(s_getFact);
        foreach (var r in replies)
        {
            aggregator.Add(r);
        }

        var stats = new RpcStats
        {
            RequestId = "a2f0ca717c694f2086cfa81b6c494648",
            Discovered = 4,
            Responded = 3,
            Ok = 2,
            Failed = 1,
            NoResponses = ["n4.example.net"],
            StartTime = DateTimeOffset.FromUnixTimeSeconds(1578300000),
            DiscoveryTime = TimeSpan.FromSeconds(2),
            PublishTime = TimeSpan.FromMilliseconds(12),
            RequestTime = TimeSpan.FromSeconds(1.2),
        };
        return new RpcResult("rpcutil", "get_fact", replies, stats, aggregator.Results());
    }

    [Fact]
    public void Text_output_has_headers_bodies_summaries_footer_and_no_responses()
    {
        var w = new StringWriter();

        RpcTextRenderer.Render(w, Result(), s_getFact, DisplayModes.Resolve(null, s_getFact), false, new Colour(false));
        var text = w.ToString();

        Assert.Contains("n1.example.net                           \n     Fact: role\n    Value: db\n\n", text, StringComparison.Ordinal);
        Assert.Contains("n3.example.net                           Request Aborted\n    boom\n\n", text, StringComparison.Ordinal);
        Assert.Contains("Summary of Value:\n\n    db = 1\n   web = 1\n", text, StringComparison.Ordinal);
        Assert.Contains("Finished processing 3 / 4 hosts in 1.2s\n", text, StringComparison.Ordinal);
        Assert.Contains("No Responses from: 1\n\n    n4.example.net\n", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ok", 2)]
    [InlineData("failed", 1)]
    [InlineData("all", 3)]
    [InlineData("none", 0)]
    public void Display_flag_selects_replies(string flag, int shown)
    {
        var w = new StringWriter();

        RpcTextRenderer.Render(w, Result(), s_getFact, DisplayModes.Resolve(flag, s_getFact), false, new Colour(false));

        Assert.Equal(shown, w.ToString().Split('\n').Count(l => l.StartsWith('n') && l.Contains(".example.net ", StringComparison.Ordinal)));
    }

    [Fact]
    public void Ddl_display_hint_defaults_to_failures_only()
    {
        Assert.Equal(DisplayMode.Failed, DisplayModes.Resolve(null, new ActionDdl { Display = "failed" }));
        Assert.Equal(DisplayMode.Ok, DisplayModes.Resolve(null, new ActionDdl { Display = "ok" }));
        Assert.Equal(DisplayMode.All, DisplayModes.Resolve(null, new ActionDdl { Display = "always" }));
    }

    [Fact]
    public void Verbose_text_prints_the_stats_block_and_raw_data()
    {
        var w = new StringWriter();

        RpcTextRenderer.Render(w, Result(), s_getFact, DisplayMode.All, true, new Colour(false));

        Assert.Contains("---- request stats ----", w.ToString(), StringComparison.Ordinal);
        Assert.Contains("         Pass / Fail: 2 / 1\n", w.ToString(), StringComparison.Ordinal);
        Assert.Contains("{\n   \"fact\": \"role\",", w.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Json_output_has_the_2020_shape()
    {
        var json = RpcJsonRenderer.Render(Result());
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;

        Assert.StartsWith("{\n   \"agent\": \"rpcutil\",", json, StringComparison.Ordinal);
        Assert.Equal(["agent", "action", "replies", "request_stats", "summaries"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["sender", "statuscode", "statusmsg", "data"], root.GetProperty("replies")[0].EnumerateObject().Select(p => p.Name));
        var stats = root.GetProperty("request_stats");
        Assert.Equal(["requestid", "no_responses", "unexpected_responses", "discovered", "failed", "ok", "responses", "publish_time", "request_time", "discover_time", "start_time_utc"],
            stats.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1.2, stats.GetProperty("request_time").GetDouble());
        Assert.Equal(1578300000, stats.GetProperty("start_time_utc").GetInt64());
        Assert.Equal(1, root.GetProperty("summaries").GetProperty("value").GetProperty("db").GetInt32());
    }

    [Fact]
    public void Table_lists_ok_senders_with_display_as_columns()
    {
        var w = new StringWriter();

        SpectreText.Write(w, RpcTableRenderer.Build(Result(), s_getFact), ansi: false);

        Assert.Contains("Sender", w.ToString(), StringComparison.Ordinal);
        Assert.Contains("Value", w.ToString(), StringComparison.Ordinal);
        Assert.Contains("n2.example.net", w.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("n3.example.net", w.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Ping_lines_and_statistics_use_the_2020_format()
    {
        var replies = new[] { new PingReply("n1.example.net", TimeSpan.FromMilliseconds(12.416)), new PingReply("n2.example.net", TimeSpan.FromMilliseconds(130.002)) };

        Assert.Equal("n1.example.net                           time=12.416 ms", PingRenderer.Line(replies[0]));
        Assert.Equal("2 replies max: 130.00 min: 12.42 avg: 71.21", PingRenderer.Statistics(replies));
        Assert.Equal([1, 0, 1], PingRenderer.Buckets(replies));
    }

    [Fact]
    public void Ping_graph_is_a_15_row_line_chart_of_replies_per_bin()
    {
        var replies = new[] { 10, 20, 30, 60, 160 }.Select(ms => new PingReply("n", TimeSpan.FromMilliseconds(ms))).ToArray();

        var lines = PingRenderer.Graph(replies).Split('\n');

        // Buckets 3,1,0,1 stretched to 60 points: y from 3.00 down to about 0 (the interpolated series just
        // misses the zero bin) over 15 steps, then the caption.
        Assert.Equal(17, lines.Length);
        Assert.StartsWith(" 3.00 ", lines[0], StringComparison.Ordinal);
        Assert.Matches(@"^ 0\.0\d ", lines[15]);
        Assert.Equal("Responses per 50ms", lines[16].Trim());
        Assert.All(lines[..16], l => Assert.Contains('┤', l.Replace('┼', '┤')));
        Assert.Contains(lines, l => l.Contains('╰') || l.Contains('╮'));
        Assert.Single(lines[..16], l => l.Contains('┼'));
        Assert.DoesNotContain('\u001b', string.Join('\n', lines));
        Assert.True(lines[..16].Max(l => l.Length) <= 6 + 5 + 60, "width 60 plus offset and labels");
    }

    [Fact]
    public void Ping_graph_of_one_bin_is_a_flat_line()
    {
        var lines = PingRenderer.Graph([new PingReply("n", TimeSpan.FromMilliseconds(5))]).Split('\n');

        Assert.Equal(2, lines.Length);
        Assert.Contains(new string('─', 59), lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Facts_are_grouped_by_value_most_common_first()
    {
        var replies = new[]
        {
            Reply("a", 0, "OK", """{"value":"db"}"""),
            Reply("b", 0, "OK", """{"value":"web"}"""),
            Reply("c", 0, "OK", """{"value":"db"}"""),
            Reply("d", 0, "OK", """{"value":null}"""),
            Reply("e", 0, "OK", """{"value":{"x":1}}"""),
            Reply("f", 1, "failed", "{}"),
        };

        var groups = FactsRenderer.Group(replies, reverse: false);
        var w = new StringWriter();
        FactsRenderer.Text(w, "role", groups, showNodes: false);

        Assert.Equal(["db", "nil", "web", """{"x":1}"""], groups.Select(g => g.Value));
        Assert.Equal(["a", "c"], groups[0].Nodes);
        Assert.Contains("Report for fact: role\n\n  db       found 2 times\n", w.ToString(), StringComparison.Ordinal);
        Assert.Equal("""{"x":1}""", FactsRenderer.Group(replies, reverse: true)[0].Value);
    }

    [Fact]
    public void Collective_report_counts_nodes_per_collective()
    {
        var data = new[] { """{"collectives":["a","b"]}""", """{"collectives":["a"]}""" }.Select(s => JsonDocument.Parse(s).RootElement.Clone());

        Assert.Equal([new KeyValuePair<string, int>("a", 2), new("b", 1)], InventoryRenderer.CollectiveCounts(data));
    }

    [Theory]
    [InlineData(2013573, "2.013573s")]
    [InlineData(12500, "12.5ms")]
    [InlineData(62500000, "1m2.5s")]
    [InlineData(0, "0s")]
    public void Durations_print_like_go(long microseconds, string expected) => Assert.Equal(expected, TextFormat.GoDuration(TimeSpan.FromTicks(microseconds * 10)));
}
