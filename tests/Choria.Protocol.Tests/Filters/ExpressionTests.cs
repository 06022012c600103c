using System.Text.Json;
using Choria.Protocol.Filters;
using Choria.Protocol.Filters.Expressions;


namespace Choria.Protocol.Tests.Filters;

public sealed class ExpressionTests
{
    private static readonly NodeData s_node = TestFacts.DiscoveryNode();

    private static List<JsonElement> Expr(string expression) =>
        [JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["expr"] = expression })];

    [Fact]
    public void Modern_example_filter_matches_the_discovery_node()
    {
        var doc = JsonDocument.Parse(File.ReadAllText(TestPaths.Fixture("server", "examples", "filter_expr_compound_modern.json")));
        var filter = FilterVectorTests.ReadFilter(doc.RootElement);

        // with('apache') is a class of the node and nested.inumber is 2.
        Assert.Equal(FilterResult.Match, FilterMatcher.Matches(filter, s_node));

        var noApache = s_node with { Classes = ["role::testing"] };
        var result = FilterMatcher.Matches(filter, noApache);
        Assert.Equal(FilterGroup.Compound, result.FailedGroup);

        var noRpcutil = s_node with { Agents = ["discovery"] };
        Assert.Equal(FilterGroup.Agent, FilterMatcher.Matches(filter, noRpcutil).FailedGroup);
    }

    [Theory]
    [InlineData("facts.string == 'hello world'", true)]
    [InlineData("facts[\"string\"] == \"hello world\"", true)]
    [InlineData("facts.nested.inumber == 2", true)]
    [InlineData("facts.nested['fnumber'] >= 2.2 and facts.nested.tbool", true)]
    [InlineData("fact('fnumber') > 1.1", true)]
    [InlineData("fact('nested.inumber') >= 2", true)]
    [InlineData("fact('missing') == nil", true)]
    [InlineData("'apache' in classes", true)]
    [InlineData("'nginx' in classes", false)]
    [InlineData("'nginx' not in classes", true)]
    [InlineData("'string' in facts", true)]
    [InlineData("include(agents, 'rpcutil')", true)]
    [InlineData("include(agents, 'package')", false)]
    [InlineData("include([1, 2], fact('inumber'))", true)]
    [InlineData("facts.string matches '^hello'", true)]
    [InlineData("facts.string not matches '^bye'", true)]
    [InlineData("facts.string contains 'lo w'", true)]
    [InlineData("facts.string startsWith 'hello' && facts.string endsWith 'world'", true)]
    [InlineData("!with('nginx')", true)]
    [InlineData("not with('apache')", false)]
    [InlineData("with('inumber=1') and with('/^role/')", true)]
    [InlineData("with('rpcutil')", true)]
    [InlineData("with('fbool != false')", true)]
    [InlineData("true || false && false", true)]
    [InlineData("(true || false) && false", false)]
    [InlineData("not false and false", false)]
    [InlineData("1 + 1 == 2 && 7 % 4 == 3 && 3 / 2 == 1.5", true)]
    [InlineData("-facts.inumber < 0", true)]
    [InlineData("facts.string < 'zz'", true)]
    [InlineData("classes[0] == 'role::testing' and classes[-1] == 'apache'", true)]
    [InlineData("len(classes) == 3 and lower('AbC') == 'abc'", true)]
    [InlineData("facts.missing?.deeper == nil", true)]
    [InlineData("undefined_variable == nil", true)]
    [InlineData("semver('1.2.3', '>= 1.2.0')", true)]
    [InlineData("semver('1.2.3', '~1.2')", true)]
    [InlineData("semver('1.3.0', '~1.2')", false)]
    [InlineData("semver('1.2.3', '^1.0.0')", true)]
    [InlineData("semver('2.0.0', '^1.0.0')", false)]
    [InlineData("semver('0.2.5', '^0.2.3')", true)]
    [InlineData("semver('0.3.0', '^0.2.3')", false)]
    [InlineData("semver('1.5.0', '> 1.0.0, < 2.0.0')", true)]
    [InlineData("semver('2.5.0', '> 1.0.0, < 2.0.0')", false)]
    [InlineData("semver('v1.0.0', '!= 1.0.0')", false)]
    [InlineData("semver('1.2.3', '> 1.2')", false)]
    [InlineData("semver('1.3.0', '> 1.2')", true)]
    [InlineData("semver('1.2.9', '<= 1.2')", true)]
    [InlineData("semver('1.2.0-rc.1', '< 1.2.0')", true)]
    [InlineData("semver('3.0.0', '< 2 || >= 3')", true)]
    [InlineData("semver('1.2.3', '= 1.2')", true)]
    // Compile and run errors, and non-boolean results: failures, never exceptions.
    [InlineData("facts.string matches '('", null)]
    [InlineData("facts.missing.deeper == 1", null)]
    [InlineData("fact('inumber')", null)]
    [InlineData("facts.string < 1", null)]
    [InlineData("classes[5] == 'x'", null)]
    [InlineData("nil && true", null)]
    [InlineData("semver('bogus', '> 1')", null)]
    [InlineData("semver('1.0.0', '>> 1')", null)]
    [InlineData("scout('check').status == 'OK'", null)]
    [InlineData("with()", null)]
    [InlineData("", null)]
    [InlineData("with(", null)]
    [InlineData("'unterminated", null)]
    [InlineData("1 2", null)]
    [InlineData("facts.", null)]
    [InlineData("a ? b : c", null)]
    [InlineData("#", null)]
    public void Expression_evaluates(string expression, bool? expected)
    {
        var result = ExpressionFilter.Evaluate(expression, s_node, null, out var error);
        Assert.Equal(expected, result);
        Assert.Equal(expected is null, error is not null);

        // Through the matcher: false and errors both mean no match.
        Assert.Equal(expected == true, FilterMatcher.Matches(new Filter { Compound = [Expr(expression)] }, s_node).Matched);
    }

    [Fact]
    public void Data_plugins_are_functions_in_expressions()
    {
        var provider = new FakeDataProvider(new() { ["scout/check"] = """{"status":"OK","checks":["a","b"]}""" });
        var ctx = new FilterContext { DataFunctions = provider };
        Assert.True(ExpressionFilter.Evaluate("scout('check').status == 'OK' && 'b' in scout('check').checks", s_node, ctx, out _));
        Assert.Null(ExpressionFilter.Evaluate("scout('other').status == 'OK'", s_node, ctx, out var error));
        Assert.Contains("scout", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Scoring_needs_no_failures_and_a_positive_total()
    {
        Filter F(params string[] exprs) => new() { Compound = [.. exprs.Select(Expr)] };

        Assert.True(FilterMatcher.Matches(F("true", "true"), s_node).Matched);
        Assert.False(FilterMatcher.Matches(F("true", "false"), s_node).Matched);
        Assert.False(FilterMatcher.Matches(F("false"), s_node).Matched);

        // Modern quirk: +1 +1 -1 = 1 > 0, so one false expression among more true ones still matches.
        Assert.True(FilterMatcher.Matches(F("true", "true", "false"), s_node).Matched);
        Assert.False(FilterMatcher.Matches(F("true", "true", "1 +"), s_node).Matched);
    }

    [Fact]
    public void Compile_is_cached_and_reports_errors()
    {
        Assert.True(ExpressionFilter.TryCompile("with('apache')", out var error));
        Assert.Null(error);
        Assert.False(ExpressionFilter.TryCompile("with('apache'", out error));
        Assert.NotNull(error);

        // Same answer on repeated evaluation of the cached form, for different nodes.
        for (var i = 0; i < 3; i++)
        {
            Assert.True(ExpressionFilter.Evaluate("with('apache')", s_node, null, out _));
            Assert.False(ExpressionFilter.Evaluate("with('apache')", s_node with { Classes = [] }, null, out _));
        }
    }
}
