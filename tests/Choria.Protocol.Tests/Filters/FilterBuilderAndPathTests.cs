using System.Text.Json;
using Choria.Protocol.Filters;

namespace Choria.Protocol.Tests.Filters;

public sealed class FilterBuilderAndPathTests
{
    private static readonly JsonElement s_facts = JsonDocument.Parse("""
        {"a":{"b.c":1,"list":[10,{"x":"y"}]},"os":{"family":"RedHat"},"net":{"eth0":{"ip":"10.0.0.1"},"lo":{"ip":"127.0.0.1"}}}
        """).RootElement.Clone();

    [Theory]
    [InlineData("os.family", "\"RedHat\"")]
    [InlineData("a.b\\.c", "1")]
    [InlineData("a.list.0", "10")]
    [InlineData("a.list.1.x", "\"y\"")]
    [InlineData("a.list.#", "2")]
    [InlineData("net.eth*.ip", "\"10.0.0.1\"")]
    [InlineData("net.l?.ip", "\"127.0.0.1\"")]
    [InlineData("a.b.c", null)]
    [InlineData("a.list.2", null)]
    [InlineData("a.list.-1", null)]
    [InlineData("os.family.x", null)]
    [InlineData("", null)]
    public void Gjson_paths(string path, string? expected)
    {
        var found = FactPath.TryGet(s_facts, path, out var value);
        Assert.Equal(expected is not null, found);
        if (expected is not null)
        {
            Assert.Equal(expected, value.GetRawText());
        }
    }

    [Fact]
    public void Hostile_wildcard_path_terminates()
    {
        var name = new string('a', 5000);
        var facts = JsonDocument.Parse($$"""{"{{name}}":1}""").RootElement;
        Assert.False(FactPath.TryGet(facts, string.Concat(Enumerable.Repeat("a*", 40)) + "b", out _));
        Assert.True(FactPath.TryGet(facts, "*a*a*a", out _));
    }

    [Fact]
    public void Builder_deduplicates_and_splits_combined_filters()
    {
        var builder = new FilterBuilder()
            .AddIdentity("node1").AddIdentity("node1").AddIdentity("/web/")
            .AddClass("apache").AddClass("apache")
            .AddAgent("rpcutil").AddAgent("rpcutil")
            .AddCombined("role=web apache os.family=RedHat nginx");

        Assert.True(builder.TryAddFact("role = web", out _));
        Assert.False(builder.TryAddFact("justaword", out var error));
        Assert.Equal("Could not parse fact justaword it does not appear to be in a valid format", error);
        Assert.True(builder.TryAddCompound("apache and not nginx", out _));
        Assert.False(builder.TryAddCompound("apache and", out _));

        var filter = builder.Build();
        Assert.Equal(["node1", "/web/"], filter.Identity);
        Assert.Equal(["apache", "nginx"], filter.CfClass);
        Assert.Equal(["rpcutil"], filter.Agent);
        Assert.Equal(
            [new FactFilter { Fact = "role", Operator = "==", Value = "web" }, new FactFilter { Fact = "os.family", Operator = "==", Value = "RedHat" }],
            filter.Fact);
        Assert.Equal(4, Assert.Single(filter.Compound).Count);

        // Build is a snapshot.
        builder.AddClass("later");
        Assert.Equal(2, filter.CfClass.Count);
    }

    [Fact]
    public void Groups_fail_in_2020_order()
    {
        var node = new NodeData("node1.example.net", ["apache"], ["rpcutil"], s_facts);
        var all = new Filter
        {
            CfClass = ["nginx"],
            Agent = ["package"],
            Identity = ["other"],
            Fact = [new FactFilter { Fact = "os.family", Operator = "==", Value = "Debian" }],
        };
        Assert.Equal(FilterGroup.Class, FilterMatcher.Matches(all, node).FailedGroup);
        Assert.Equal(FilterGroup.Agent, FilterMatcher.Matches(all with { CfClass = ["apache"] }, node).FailedGroup);
        Assert.Equal(FilterGroup.Identity, FilterMatcher.Matches(all with { CfClass = [], Agent = [] }, node).FailedGroup);
        Assert.Equal(FilterGroup.Fact, FilterMatcher.Matches(all with { CfClass = [], Agent = [], Identity = [] }, node).FailedGroup);
        var bad = new Filter { Fact = [new FactFilter { Fact = "os.family", Operator = "=", Value = "RedHat" }] };
        var result = FilterMatcher.Matches(bad, node);
        Assert.Equal(FilterGroup.Fact, result.FailedGroup);
        Assert.Contains("unknown fact matching operator =", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Nulls_from_the_wire_do_not_throw()
    {
        var filter = JsonSerializer.Deserialize<Filter>(
            """{"fact":[null,{"fact":null,"operator":null,"value":null}],"cf_class":[null],"agent":null,"identity":[null],"compound":null}""")!;
        var node = new NodeData("n", ["apache"], ["rpcutil"], s_facts);
        Assert.False(FilterMatcher.Matches(filter, node).Matched);
        Assert.False(FilterMatcher.Matches(filter with { CfClass = [] }, node).Matched);
        Assert.False(FilterMatcher.Matches(new Filter { Fact = [new FactFilter { Fact = null!, Operator = null!, Value = null! }] }, node).Matched);
    }

    [Fact]
    public void Invalid_regex_needles_never_match()
    {
        var node = new NodeData("node1", ["apache"], ["rpcutil"], s_facts);
        Assert.False(FilterMatcher.Matches(new Filter { CfClass = ["/(/"] }, node).Matched);
        Assert.False(FilterMatcher.Matches(new Filter { Identity = ["/[/"] }, node).Matched);
        Assert.True(FilterMatcher.Matches(new Filter { Identity = ["/"] }, node).Matched, "'/' is the empty regex, as in Go");
        Assert.False(FilterMatcher.Matches(new Filter { Identity = ["/node1"] }, node).Matched);
    }

    [Fact]
    public void Concurrent_matching_shares_caches_safely()
    {
        var node = new NodeData("web7.example.net", ["apache"], ["rpcutil"], s_facts);
        var failures = 0;
        Parallel.For(0, 4000, i =>
        {
            // Many distinct needles force cache churn (and clears) while other threads read.
            var filter = new Filter
            {
                Identity = [$"/^web{i % 10}\\./", "/example/"],
                Compound = [[JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["expr"] = $"facts.os.family matches '^Red' && {i} >= 0" })]],
            };
            if (!FilterMatcher.Matches(filter, node).Matched)
            {
                Interlocked.Increment(ref failures);
            }
        });
        Assert.Equal(0, failures);
    }
}
