using Choria.Protocol.Filters;

namespace Choria.Protocol.Tests.Filters;

public sealed class Re2TranslatorTests
{
    [Theory]
    [InlineData("^node\\d+$", "node12", true)]
    [InlineData("^node\\d+$", "node١٢", false)]
    [InlineData("^\\w+$", "héllo", false)]
    [InlineData("^[[:alpha:]]+$", "apache", true)]
    [InlineData("^[[:digit:][:lower:]]+$", "web01", true)]
    [InlineData("^[^[:digit:]]+$", "web01", false)]
    [InlineData("(?P<role>web)\\d", "web1", true)]
    [InlineData("net$", "example.net\n", false)]
    [InlineData("(?m)net$", "example.net\nfoo", true)]
    [InlineData("[]a]", "]", true)]
    [InlineData("[\\d.]+", "1.2", true)]
    [InlineData("\\D", "123", false)]
    [InlineData("a\\.b", "a.b", true)]
    public void Re2_semantics(string pattern, string input, bool expected)
    {
        Assert.Equal(expected, NeedleMatcher.Matches("/" + pattern + "/", input));
    }

    [Theory]
    [InlineData("(?=web)web")]
    [InlineData("(w)\\1")]
    [InlineData("(?<=a)b")]
    public void Constructs_re2_rejects_never_match(string pattern)
    {
        Assert.False(NeedleMatcher.Matches("/" + pattern + "/", "webweb ab ww"));
    }

    [Fact]
    public void Pathological_pattern_runs_in_linear_time()
    {
        var input = new string('a', 50_000) + "!";
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(NeedleMatcher.Matches("/^(a+)+$/", input));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2));
    }
}
