using System.Text.Json;
using Choria.Protocol.Filters;
using Choria.Protocol.Filters.Compound;
using Choria.Protocol.Filters.Expressions;
using CsCheck;

namespace Choria.Protocol.Tests.Filters;

/// <summary>Hostile input never escapes as an exception; it is a failure or a no match.</summary>
public sealed class FilterPropertyTests
{
    private static readonly NodeData s_node = TestFacts.DiscoveryNode();

    private static readonly string[] s_exprWords =
    [
        "facts", "fact(", "with(", "include(", "semver(", "agents", "classes", ".", "?.", "[", "]", "(", ")", ",",
        "'apache'", "\"x\"", "1", "2.5", "-", "+", "*", "/", "%", "==", "!=", "<", ">=", "&&", "||", "!", "not",
        "and", "or", "in", "matches", "contains", "startsWith", "endsWith", "true", "false", "nil", "'('", "string",
        "nested", "inumber", "'1.2.3'", "'^1.0'", "scout(", "`raw`",
    ];

    private static readonly string[] s_stackEntries =
    [
        """{"statement":"apache"}""", """{"statement":"inumber=1"}""", """{"statement":"/(/"}""", """{"and":"and"}""",
        """{"or":"or"}""", """{"not":"not"}""", """{"(":"("}""", """{")":")"}""", """{"fstatement":{"name":"f","params":"x","operator":"==","r_compare":"1"}}""",
        """{"fstatement":"f('x').y=1"}""", """{"fstatement":5}""", """{"statement":null}""", """{"expr":"true"}""",
        """{"expr":"("}""", "{}", "[]", "5", "\"s\"", "null", """{"a":1,"b":2}""",
    ];

    [Fact]
    public void Random_strings_into_the_expression_parser()
    {
        Gen.String.Sample(s =>
        {
            var result = ExpressionFilter.Evaluate(s, s_node, null, out var error);
            return result is not null || error is not null;
        }, iter: 2000);
    }

    [Fact]
    public void Random_token_soup_into_the_expression_parser()
    {
        Gen.OneOfConst(s_exprWords).Array[0, 25].Sample(words =>
        {
            var result = ExpressionFilter.Evaluate(string.Join(' ', words), s_node, null, out var error);
            return result is not null || error is not null;
        }, iter: 3000);
    }

    [Fact]
    public void Random_json_into_compound_evaluation()
    {
        var gen = Gen.OneOfConst(s_stackEntries).Array[0, 12].Array[0, 3];
        gen.Sample(stacks =>
        {
            var json = "[" + string.Join(',', stacks.Select(s => "[" + string.Join(',', s) + "]")) + "]";
            var compound = JsonDocument.Parse(json).RootElement.EnumerateArray()
                .Select(s => s.EnumerateArray().Select(e => e.Clone()).ToList()).ToList();
            var result = FilterMatcher.Matches(new Filter { Compound = compound }, s_node);
            return result.Matched || result.FailedGroup == FilterGroup.Compound;
        }, iter: 3000);
    }

    [Fact]
    public void Random_strings_into_the_cli_compound_parser()
    {
        Gen.OneOf(Gen.String, Gen.OneOfConst("apache", "and", "or", "not", "(", ")", "!", "a=b", "x >= 1", "/re/", "f('x').y=1", "\"q s\"", "=").Array[0, 10]
            .Select(parts => string.Join(' ', parts))).Sample(s =>
        {
            if (!CompoundParser.TryParse(s, out var stack, out var error))
            {
                return error is not null;
            }

            // Whatever the client accepts, the server evaluates without an exception.
            var result = FilterMatcher.Matches(new Filter { Compound = [stack] }, s_node);
            return result.Matched || result.FailedGroup == FilterGroup.Compound;
        }, iter: 2000);
    }

    [Fact]
    public void Random_fact_filter_strings_parse_or_error()
    {
        Gen.String.Sample(s =>
        {
            if (FactFilterParser.TryParse(s, out var fact, out var error))
            {
                FactComparer.Matches(s_node.Facts, fact, out _);
                return fact.Fact.Length > 0;
            }

            return error.StartsWith("Could not parse fact", StringComparison.Ordinal);
        }, iter: 2000);
    }
}
