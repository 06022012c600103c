using System.Text.Json;
using Choria.Protocol.Filters;
using Choria.Protocol.Filters.Compound;


namespace Choria.Protocol.Tests.Filters;

public sealed class CompoundStatementTests
{
    private static readonly NodeData s_node = TestFacts.DiscoveryNode();

    private static List<JsonElement> WireCompound(string capture)
    {
        var doc = JsonDocument.Parse(File.ReadAllText(TestPaths.Fixture("wire", capture)));
        var compound = doc.RootElement.GetProperty("inner").GetProperty("envelope").GetProperty("filter").GetProperty("compound");
        Assert.Equal(1, compound.GetArrayLength());
        return compound[0].EnumerateArray().Select(e => e.Clone()).ToList();
    }

    private static Filter WithCompound(params List<JsonElement>[] stacks) => new() { Agent = ["rpcutil"], Compound = [.. stacks] };

    private static NodeData NodeWithFacts(string json) =>
        s_node with { Facts = JsonDocument.Parse(json).RootElement.Clone() };

    [Theory]
    [InlineData("16-discovery-request-compound-filter.decoded.json")]
    [InlineData("17-rpc-request-direct-compound-filter.decoded.json")]
    public void Wire_capture_compound_evaluates_against_node_facts(string capture)
    {
        var stack = WireCompound(capture);

        // discovery_facts.yaml has neither role nor hostname: role=web fails, so the AND fails.
        var result = FilterMatcher.Matches(WithCompound(stack), s_node);
        Assert.False(result.Matched);
        Assert.Equal(FilterGroup.Compound, result.FailedGroup);

        Assert.True(FilterMatcher.Matches(WithCompound(stack), NodeWithFacts("""{"role":"web","hostname":"node4"}""")).Matched);
        Assert.False(FilterMatcher.Matches(WithCompound(stack), NodeWithFacts("""{"role":"web","hostname":"node5"}""")).Matched);

        // 2020 Go server: any compound filter means no match, regardless of facts.
        var rejected = FilterMatcher.Matches(WithCompound(stack), NodeWithFacts("""{"role":"web","hostname":"node4"}"""), new FilterContext { Compound = CompoundMode.Reject });
        Assert.Equal(FilterResult.Fail(FilterGroup.Compound, "Compound filters are not supported"), rejected);
    }

    [Theory]
    [InlineData("16-discovery-request-compound-filter.decoded.json")]
    [InlineData("17-rpc-request-direct-compound-filter.decoded.json")]
    public void Cli_parser_reproduces_the_ruby_call_stack(string capture)
    {
        Assert.True(CompoundParser.TryParse("role=web and hostname=node4", out var stack, out var error), error);
        var expected = WireCompound(capture);
        Assert.Equal(expected.Count, stack.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(JsonElement.DeepEquals(expected[i], stack[i]), $"{expected[i]} != {stack[i]}");
        }
    }

    [Fact]
    public void Legacy_2020_example_filter_is_evaluated()
    {
        var doc = JsonDocument.Parse(File.ReadAllText(TestPaths.Fixture("server", "examples", "filter_legacy_compound_2020.json")));
        var filter = FilterVectorTests.ReadFilter(doc.RootElement);

        // country=uk and role::webserver: no country fact, no such class.
        Assert.False(FilterMatcher.Matches(filter, s_node).Matched);

        var uk = s_node with
        {
            Classes = ["role::webserver"],
            Facts = JsonDocument.Parse("""{"country":"uk"}""").RootElement.Clone(),
        };
        Assert.True(FilterMatcher.Matches(filter, uk).Matched);
        Assert.False(FilterMatcher.Matches(filter, uk, new FilterContext { Compound = CompoundMode.Reject }).Matched);
    }

    [Theory]
    // Precedence: not > and > or; each row is true under precedence and would differ if evaluated left to right.
    [InlineData("apache or nope and nope2", true)]
    [InlineData("nope and nope2 or apache", true)]
    [InlineData("not apache or testing", true)]
    [InlineData("not (apache or testing)", false)]
    [InlineData("(apache or nope) and nope2", false)]
    [InlineData("apache and (nope or testing)", true)]
    [InlineData("not not apache", true)]
    [InlineData("!nope", true)]
    [InlineData("((apache))", true)]
    // Statements: fact filters first, otherwise classes and agents.
    [InlineData("inumber>=1 and /^role::/", true)]
    [InlineData("nested.inumber=2 and not fbool=true", true)]
    [InlineData("rpcutil and apache", true)]
    [InlineData("package", false)]
    [InlineData("string=\"hello world\"", true)]
    [InlineData("inumber = 1", true)]
    [InlineData("string = \"hello world\" and apache", true)]
    [InlineData("string=/hello wor/", true)]
    [InlineData("(string =~ /^hello/)", true)]
    [InlineData("string=~/^hello/", true)]
    [InlineData("string=/wor/", true)]
    [InlineData("fnumber > 1.0 and tbool=true", true)]
    [InlineData("fnumber < 1.0 or tbool=false", false)]
    public void Cli_compound_is_evaluated_with_precedence(string input, bool expected)
    {
        Assert.True(CompoundParser.TryParse(input, out var stack, out var error), error);
        var result = FilterMatcher.Matches(WithCompound(stack), s_node);
        Assert.Equal(expected, result.Matched);
    }

    [Fact]
    public void Cli_compound_shape_with_parentheses_and_not()
    {
        Assert.True(CompoundParser.TryParse("role=web and (country=mt or not apache)", out var stack, out _));
        var json = JsonSerializer.Serialize(stack);
        Assert.Equal(
            """[{"statement":"role=web"},{"and":"and"},{"(":"("},{"statement":"country=mt"},{"or":"or"},{"not":"not"},{"statement":"apache"},{")":")"}]""",
            json);
    }

    [Theory]
    [InlineData("string = \"hello world\"", "string=hello world")]
    [InlineData("inumber >= 1", "inumber>=1")]
    [InlineData("string=/hello wor/", "string=/hello wor/")]
    [InlineData("/^role:: x/", "/^role:: x/")]
    [InlineData("orange", "orange")]
    public void Cli_statement_text(string input, string statement)
    {
        Assert.True(CompoundParser.TryParse(input, out var stack, out var error), error);
        Assert.Equal(statement, Assert.Single(stack).GetProperty("statement").GetString());
    }

    [Fact]
    public void Fstatement_without_provider_is_a_failure_not_an_exception()
    {
        Assert.True(CompoundParser.TryParse("apache and fstat(\"/etc/hosts\").size>100", out var stack, out var error), error);
        var expected = JsonDocument.Parse("""{"fstatement":{"r_compare":"100","operator":">","value":"size","name":"fstat","params":"/etc/hosts"}}""").RootElement;
        Assert.True(JsonElement.DeepEquals(expected, stack[2]), stack[2].GetRawText());
        Assert.Equal(["r_compare", "operator", "value", "name", "params"], stack[2].GetProperty("fstatement").EnumerateObject().Select(p => p.Name));

        var result = FilterMatcher.Matches(WithCompound(stack), s_node);
        Assert.False(result.Matched);
        Assert.Equal(FilterGroup.Compound, result.FailedGroup);
        Assert.Contains("no data plugins", result.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fstat(\"/etc/hosts\").size>100", true)]
    [InlineData("fstat(\"/etc/hosts\").size<=100", false)]
    [InlineData("fstat(\"/etc/hosts\").size > 100", true)]
    [InlineData("fstat('/etc/hosts').type=file", true)]
    [InlineData("fstat('/etc/hosts').type=/fi/", true)]
    [InlineData("fstat('/etc/hosts').type!=/fi/", false)]
    [InlineData("fstat('/etc/hosts').type>file", false)]
    [InlineData("fstat('/etc/hosts').missing=1", false)]
    [InlineData("not fstat('/etc/hosts').present=true", false)]
    public void Fstatement_uses_the_data_provider(string input, bool expected)
    {
        var provider = new FakeDataProvider(new() { ["fstat//etc/hosts"] = """{"size":200,"type":"file","present":true}""" });
        Assert.True(CompoundParser.TryParse(input, out var stack, out var error), error);
        var result = FilterMatcher.Matches(WithCompound(stack), s_node, new FilterContext { DataFunctions = provider });
        Assert.Equal(expected, result.Matched);
        Assert.Equal(("fstat", "/etc/hosts"), Assert.Single(provider.Calls));
    }

    [Fact]
    public void Failed_data_plugin_call_is_a_failure()
    {
        var provider = new FakeDataProvider([]);
        Assert.True(CompoundParser.TryParse("nope or fstat('/x').size=1", out var stack, out _));
        var result = FilterMatcher.Matches(WithCompound(stack), s_node, new FilterContext { DataFunctions = provider });
        Assert.False(result.Matched);
        Assert.Contains("fstat", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_statement_stack_must_match()
    {
        Assert.True(CompoundParser.TryParse("apache", out var yes, out _));
        Assert.True(CompoundParser.TryParse("nginx", out var no, out _));
        Assert.True(FilterMatcher.Matches(WithCompound(yes, yes), s_node).Matched);
        Assert.False(FilterMatcher.Matches(WithCompound(yes, no), s_node).Matched);
    }

    [Theory]
    [InlineData("[[]]")]
    [InlineData("[[{\"and\":\"and\"}]]")]
    [InlineData("[[{\"statement\":\"apache\"},{\"and\":\"and\"}]]")]
    [InlineData("[[{\"(\":\"(\"},{\"statement\":\"apache\"}]]")]
    [InlineData("[[{\"statement\":\"apache\"},{\")\":\")\"}]]")]
    [InlineData("[[{\"statement\":\"apache\"},{\"statement\":\"testing\"}]]")]
    [InlineData("[[{\"statement\":5}]]")]
    [InlineData("[[{\"bogus\":\"x\"}]]")]
    [InlineData("[[\"apache\"]]")]
    [InlineData("[[{}]]")]
    [InlineData("[[{\"statement\":\"apache\",\"and\":\"and\"}]]")]
    [InlineData("[[{\"fstatement\":{\"params\":\"x\"}}]]")]
    [InlineData("[[{\"fstatement\":[1]}]]")]
    [InlineData("[[{\"expr\":5}]]")]
    [InlineData("[[{\"expr\":\"with('apache')\"},{\"expr\":\"true\"}]]")]
    public void Malformed_compound_json_is_no_match(string json)
    {
        var compound = JsonDocument.Parse(json).RootElement.EnumerateArray()
            .Select(s => s.EnumerateArray().Select(e => e.Clone()).ToList()).ToList();
        var result = FilterMatcher.Matches(new Filter { Compound = compound }, s_node);
        Assert.False(result.Matched);
        Assert.Equal(FilterGroup.Compound, result.FailedGroup);
        Assert.NotNull(result.Reason);
    }

    [Theory]
    [InlineData("apache and")]
    [InlineData("and apache")]
    [InlineData("(apache")]
    [InlineData("apache )")]
    [InlineData("apache testing")]
    [InlineData("not")]
    [InlineData("")]
    [InlineData("/unterminated")]
    [InlineData("fstat('/x'")]
    public void Malformed_cli_compound_is_rejected(string input)
    {
        Assert.False(CompoundParser.TryParse(input, out var stack, out var error));
        Assert.Null(stack);
        Assert.False(string.IsNullOrEmpty(error));
    }
}
