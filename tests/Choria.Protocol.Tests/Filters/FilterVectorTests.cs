using System.Text.Json;
using Choria.Protocol.Filters;


namespace Choria.Protocol.Tests.Filters;

/// <summary>Every row of vectors_filters.json (docs/protocol.md item 16).</summary>
public sealed class FilterVectorTests
{
    private static readonly Lazy<JsonElement> s_vectors = new(() =>
        JsonDocument.Parse(File.ReadAllText(TestPaths.Fixture("protocol", "vectors_filters.json"))).RootElement.Clone());

    private static readonly Lazy<JsonElement> s_facts = new(() =>
        TestFacts.Load(TestPaths.Fixture("protocol", s_vectors.Value.GetProperty("facts_source").GetString()!)));

    private static readonly Lazy<IReadOnlyList<string>> s_classes = new(() =>
        TestFacts.Lines(TestPaths.Fixture("protocol", s_vectors.Value.GetProperty("classes_source").GetString()!)));

    private static JsonElement.ArrayEnumerator Rows(string name) => s_vectors.Value.GetProperty(name).EnumerateArray();

    public static TheoryData<string, string, string, bool> FactCases()
    {
        var data = new TheoryData<string, string, string, bool>();
        foreach (var row in Rows("fact_cases"))
        {
            data.Add(row[0].GetString()!, row[1].GetString()!, row[2].GetString()!, row[3].GetBoolean());
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FactCases))]
    public void Fact_case(string fact, string op, string value, bool expected)
    {
        var filter = new FactFilter { Fact = fact, Operator = op, Value = value };
        Assert.Equal(expected, FactComparer.Matches(s_facts.Value, filter, out _));

        // The same row through the full matcher: only the fact group is evaluated.
        var result = FilterMatcher.Matches(new Filter { Fact = [filter] }, new NodeData("n", [], [], s_facts.Value));
        Assert.Equal(expected, result.Matched);
        Assert.Equal(expected ? FilterGroup.None : FilterGroup.Fact, result.FailedGroup);
    }

    [Fact]
    public void Every_fact_case_row_is_covered()
    {
        Assert.Equal(Rows("fact_cases").Count(), FactCases().Count);
        Assert.True(FactCases().Count >= 40);
    }

    public static TheoryData<string[], bool> NeedleCases(string name)
    {
        var data = new TheoryData<string[], bool>();
        foreach (var row in Rows(name))
        {
            data.Add(row[0].EnumerateArray().Select(e => e.GetString()!).ToArray(), row[1].GetBoolean());
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(NeedleCases), "class_cases")]
    public void Class_case(string[] needles, bool expected)
    {
        var node = new NodeData("n", s_classes.Value, [], default);
        var result = FilterMatcher.Matches(new Filter { CfClass = [.. needles] }, node);
        Assert.Equal(expected, result.Matched);
        Assert.Equal(expected ? FilterGroup.None : FilterGroup.Class, result.FailedGroup);
    }

    [Theory]
    [MemberData(nameof(NeedleCases), "agent_cases")]
    public void Agent_case(string[] needles, bool expected)
    {
        var agents = s_vectors.Value.GetProperty("agent_cases_known_agents").EnumerateArray().Select(e => e.GetString()!).ToList();
        var result = FilterMatcher.Matches(new Filter { Agent = [.. needles] }, new NodeData("n", [], agents, default));
        Assert.Equal(expected, result.Matched);
        Assert.Equal(expected ? FilterGroup.None : FilterGroup.Agent, result.FailedGroup);
    }

    [Theory]
    [MemberData(nameof(NeedleCases), "identity_cases")]
    public void Identity_case(string[] needles, bool expected)
    {
        var identity = s_vectors.Value.GetProperty("identity_cases_node_identity").GetString()!;
        var result = FilterMatcher.Matches(new Filter { Identity = [.. needles] }, new NodeData(identity, [], [], default));
        Assert.Equal(expected, result.Matched);
        Assert.Equal(expected ? FilterGroup.None : FilterGroup.Identity, result.FailedGroup);
    }

    [Fact]
    public void Match_request_cases_with_2020_compound_rejection()
    {
        var node = new NodeData("node1.example.net", s_classes.Value, ["rpcutil"], s_facts.Value);
        var ctx = new FilterContext { Compound = CompoundMode.Reject };
        foreach (var row in Rows("match_request_cases"))
        {
            var filter = ReadFilter(row.GetProperty("filter"));
            var expected = row.GetProperty("expect").GetBoolean();
            Assert.Equal(expected, FilterMatcher.Matches(filter, node, ctx).Matched);

            // Evaluating compound filters gives the same answer here: there is no country fact.
            Assert.Equal(expected, FilterMatcher.Matches(filter, node).Matched);
        }
    }

    public static TheoryData<string, string?, string?, string?> CliCases()
    {
        var data = new TheoryData<string, string?, string?, string?>();
        foreach (var row in Rows("cli_fact_parse_cases"))
        {
            data.Add(row[0].GetString()!, row[1].GetString(), row[2].GetString(), row[3].GetString());
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CliCases))]
    public void Cli_fact_parse_case(string input, string? fact, string? op, string? value)
    {
        var ok = FactFilterParser.TryParse(input, out var parsed, out var error);
        if (fact is null)
        {
            Assert.False(ok);
            Assert.Equal($"Could not parse fact {input} it does not appear to be in a valid format", error);
            return;
        }

        Assert.True(ok, error);
        Assert.Equal(new FactFilter { Fact = fact, Operator = op!, Value = value! }, parsed);
    }

    [Fact]
    public void Two_file_merge_later_file_wins()
    {
        var merge = s_vectors.Value.GetProperty("fact_merge_case");
        var files = merge.GetProperty("files").EnumerateArray().Select(f => TestPaths.Fixture("protocol", f.GetString()!)).ToArray();
        var facts = TestFacts.Load(files);
        var path = merge.GetProperty("path").GetString()!;
        Assert.True(FactPath.TryGet(facts, path, out var value));
        Assert.Equal(merge.GetProperty("expect_int").GetInt64(), value.GetInt64());
        Assert.True(FactComparer.Matches(facts, new FactFilter { Fact = path, Operator = "==", Value = "2" }, out _));

        // Keys of the first file survive the shallow merge.
        Assert.True(FactComparer.Matches(facts, new FactFilter { Fact = "string", Operator = "==", Value = "hello world" }, out _));
    }

    internal static Filter ReadFilter(JsonElement e)
    {
        static List<string> Strings(JsonElement e, string name) =>
            e.TryGetProperty(name, out var p) ? p.EnumerateArray().Select(x => x.GetString()!).ToList() : [];

        return new Filter
        {
            Fact = e.GetProperty("fact").EnumerateArray().Select(f => new FactFilter
            {
                Fact = f.GetProperty("fact").GetString()!,
                Operator = f.GetProperty("operator").GetString()!,
                Value = f.GetProperty("value").GetString()!,
            }).ToList(),
            CfClass = Strings(e, "cf_class"),
            Agent = Strings(e, "agent"),
            Identity = Strings(e, "identity"),
            Compound = e.GetProperty("compound").EnumerateArray().Select(s => s.EnumerateArray().Select(x => x.Clone()).ToList()).ToList(),
        };
    }
}
