namespace Choria.Security.Tests;

public sealed class IdentityTests
{
    public static TheoryData<string, string?> CallerIdCases()
    {
        using var document = FixtureJson.Parse(TestPaths.Protocol("vectors_identity.json"));
        var data = new TheoryData<string, string?>();
        foreach (var row in document.RootElement.GetProperty("callerid_cases").EnumerateArray())
        {
            data.Add(row[0].GetString()!, row[1].GetString());
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CallerIdCases))]
    public void Callerid_cases_from_vectors(string callerId, string? expected)
    {
        var ok = CallerId.TryParseCertname(callerId, out var certname);
        Assert.Equal(expected is not null, ok);
        Assert.Equal(expected, certname);
    }

    [Theory]
    [InlineData("choria=bob.mcollective junk", "bob.mcollective")]
    [InlineData("choria=bøb", "b")]
    [InlineData("choria=ünicode", null)]
    [InlineData("", null)]
    public void Callerid_word_class_is_ascii_and_trailing_junk_ignored(string callerId, string? expected)
    {
        Assert.Equal(expected is not null, CallerId.TryParseCertname(callerId, out var certname));
        Assert.Equal(expected, certname);
    }

    /// <summary>The parser is written out for speed; the rule it implements is this regular expression (docs/protocol.md).</summary>
    [Fact]
    public void Callerid_parser_follows_the_documented_pattern()
    {
        var rule = new System.Text.RegularExpressions.Regex("^[a-z]+=([A-Za-z0-9_.\\-]+)", System.Text.RegularExpressions.RegexOptions.CultureInvariant);
        string[] fixedCases = ["choria=a", "a=b", "=b", "choria=", "Choria=x", "choria==x", "choria=x=y", "choria=a-b_c.d", "cho ria=x", "choria=x\ny", "choria\n=x", "puppet=node-1.example.net"];
        var random = new Random(4711);
        const string alphabet = "az=AZ09_.-= é\n";
        var cases = fixedCases.Concat(Enumerable.Range(0, 5000).Select(_ =>
            new string([.. Enumerable.Range(0, random.Next(0, 12)).Select(_ => alphabet[random.Next(alphabet.Length)])])));
        foreach (var callerId in cases)
        {
            var match = rule.Match(callerId);
            Assert.Equal(match.Success, CallerId.TryParseCertname(callerId, out var certname));
            Assert.Equal(match.Success ? match.Groups[1].Value : null, certname);
        }
    }

    [Fact]
    public void Certname_environment_variable_wins_over_user_and_identity()
    {
        var environment = new FakeEnvironment { IsRoot = false, Variables = { ["MCOLLECTIVE_CERTNAME"] = "env.example", ["USER"] = "bob" } };
        Assert.Equal("env.example", CertnameRules.Resolve(null, "node1.example.net", environment));
        Assert.Equal("override.example", CertnameRules.Resolve("override.example", "node1.example.net", environment));
    }

    [Fact]
    public void Non_root_unix_user_gets_user_dot_mcollective()
    {
        var environment = new FakeEnvironment { IsRoot = false, Variables = { ["USER"] = "bob" } };
        Assert.Equal("bob.mcollective", CertnameRules.Resolve(null, "node1.example.net", environment));
    }

    [Fact]
    public void Root_windows_or_missing_user_fall_back_to_identity()
    {
        Assert.Equal("node1.example.net", CertnameRules.Resolve(null, "node1.example.net", new FakeEnvironment { IsRoot = true, Variables = { ["USER"] = "root" } }));
        Assert.Equal("node1.example.net", CertnameRules.Resolve(null, "node1.example.net", new FakeEnvironment { IsRoot = false, IsWindows = true, Variables = { ["USER"] = "bob" } }));
        Assert.Equal("node1.example.net", CertnameRules.Resolve(null, "node1.example.net", new FakeEnvironment { IsRoot = false }));
    }

    [Fact]
    public void Provider_identity_and_callerid_follow_the_rules()
    {
        using var dir = new TempDir();
        var provider = new FileSecurityProvider(new FileSecurityOptions { Identity = "node1.example.net", CacheDirectory = dir.Path },
            new FakeEnvironment { IsRoot = false, Variables = { ["USER"] = "bob" } });
        Assert.Equal("bob.mcollective", provider.Identity);
        Assert.Equal("choria=bob.mcollective", provider.CallerId);
    }

    [Theory]
    [InlineData("/\\.mcollective$/", "rip.mcollective", true)]
    [InlineData("\\.mcollective$", "rip.mcollective.evil", false)]
    [InlineData("bob", "notbob.example", true)]
    [InlineData("[invalid", "[invalid", false)]
    public void Pattern_lists_strip_slashes_and_match_unanchored(string pattern, string name, bool expected) =>
        Assert.Equal(expected, new PatternList([pattern]).Matches(name));

    [Fact]
    public void Default_policy_lists_match_the_spec_and_vectors()
    {
        using var document = FixtureJson.Parse(TestPaths.Protocol("vectors_identity.json"));
        var policy = new SecurityPolicyOptions();
        Assert.Equal(document.RootElement.GetProperty("default_certname_whitelist").EnumerateArray().Select(e => e.GetString()), policy.CertnameAllowList);
        Assert.Equal(document.RootElement.GetProperty("default_privileged_users").EnumerateArray().Select(e => e.GetString()), policy.PrivilegedUsers);
        Assert.False(policy.AlwaysOverwriteCache);
        Assert.False(policy.Insecure);
    }
}
