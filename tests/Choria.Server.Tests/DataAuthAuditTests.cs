using System.Text.Json;
using Choria.Protocol.Messages;
using Choria.Server.Agents;
using Choria.Server.Audit;
using Choria.Server.Authorization;
using Choria.Server.Data;
using Choria.Server.Runtime;
using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.Server.Tests;

public sealed class DataAuthAuditTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory();

    public void Dispose() => _dir.Delete(true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static FactsSource Facts(params string[] files) =>
        new(new FactsOptions { FactsFiles = string.Join(Path.PathSeparator, files) }, NullLogger<FactsSource>.Instance);

    [Fact]
    public void Facts_yaml_11_booleans_numbers_and_merge_order()
    {
        var yaml = Write("f.yaml", "a: yes\nb: off\nc: 'yes'\nd: 1\ne: 1.5\nf: text\ng: n\n");
        var json = Write("g.json", """{"d":2,"h":[1]}""");
        var facts = Facts(yaml, Path.Combine(_dir.FullName, "missing.yaml"), Write("bad.json", "{"), json).Facts();
        Assert.Equal("""{"a":true,"b":false,"c":"yes","d":2,"e":1.5,"f":"text","g":false,"h":[1]}""", facts.GetRawText());
    }

    [Fact]
    public void In_memory_facts_replace_the_files()
    {
        var file = Write("mem.json", """{"from":"file"}""");
        using var doc = JsonDocument.Parse("""{"from":"memory","instance":7}""");
        var facts = new FactsSource(new FactsOptions { FactsFiles = file, Facts = doc.RootElement.Clone() }, NullLogger<FactsSource>.Instance).Facts();
        Assert.Equal("memory", facts.GetProperty("from").GetString());
        Assert.Equal(7, facts.GetProperty("instance").GetInt32());
    }

    [Fact]
    public void Fixture_facts_and_yml_is_json()
    {
        var facts = Facts(TestPaths.Fixture("server", "facts", "discovery_facts.yaml"), TestPaths.Fixture("protocol", "filter", "2ndfact.json")).Facts();
        Assert.Equal(2, facts.GetProperty("ifact").GetInt32());
        Assert.True(facts.GetProperty("nested").GetProperty("tbool").GetBoolean());
        Assert.Equal(1.2, facts.GetProperty("fnumber").GetDouble());
        Assert.Equal("{}", Facts(Write("x.yml", "a: 1")).Facts().GetRawText());
    }

    [Fact]
    public void Facts_and_classes_reload_when_files_change()
    {
        var file = Write("r.json", """{"v":1}""");
        var facts = Facts(file);
        Assert.Equal(1, facts.Facts().GetProperty("v").GetInt32());
        File.WriteAllText(file, """{"v":22}""");
        Assert.Equal(22, facts.Facts().GetProperty("v").GetInt32());

        var classesFile = Write("classes.txt", "a\r\nb \n");
        var classes = new ClassesSource(new ClassesOptions { ClassesFile = classesFile });
        Assert.Equal(["a", "b "], classes.Classes());
        File.WriteAllText(classesFile, "x\ny\nz");
        Assert.Equal(["x", "y", "z"], classes.Classes());
        File.Delete(classesFile);
        Assert.Empty(classes.Classes());
        Assert.Equal(["role::testing", "testing", "apache"], new ClassesSource(new ClassesOptions { ClassesFile = TestPaths.Fixture("server", "facts", "discovery_classes.txt") }).Classes());
    }

    private bool Authorize(string policy, string caller = "choria=rip", string action = "ping", bool enableDefault = false, string agent = "rpcutil")
    {
        Write(enableDefault ? "default.policy" : "rpcutil.policy", policy);
        Write("groups", "admins choria=admin choria=rip\n");
        var facts = JsonDocument.Parse(File.ReadAllText(TestPaths.Fixture("server", "facts", "authz_facts.json"))).RootElement;
        var auth = new ActionPolicyAuthorizer(new ActionPolicyOptions { PolicyDirectory = _dir.FullName, EnableDefault = enableDefault }, () => facts, () => ["apache", "role::web"], FilterFactMatcher.Instance, NullLogger<ActionPolicyAuthorizer>.Instance);
        return auth.IsAuthorized(new ActionRequest { Agent = agent, Action = action, Envelope = new RequestEnvelope { CallerId = caller } });
    }

    [Theory]
    [InlineData("allow\t*\t*\t*\t*", true)]
    [InlineData("policy default deny", false)]
    [InlineData("policy default allow", true)]
    [InlineData("", false)]
    [InlineData("allow\tchoria=rip\tping\t*\t*", true)]
    [InlineData("allow\tchoria=other\t*\t*\t*", false)]
    [InlineData("allow\t/^choria=r/\t*\t*\t*", true)]
    [InlineData("allow\tadmins\t*\t*\t*", true)]
    [InlineData("allow\t*\tstatus inventory\t*\t*", false)]
    [InlineData("allow\t*\tstatus ping\t*\t*", true)]
    [InlineData("allow\t*\t*\tone=one digit=1\t*", true)]
    [InlineData("allow\t*\t*\tone=two\t*", false)]
    [InlineData("allow\t*\t*\ttwo=/two/\t*", true)]
    [InlineData("allow\t*\t*\tdigit>=1\t*", true)]
    [InlineData("allow\t*\t*\t*\tapache /^role::/", true)]
    [InlineData("allow\t*\t*\t*\tnginx", false)]
    [InlineData("allow\t*\t*\t*", true)]
    [InlineData("deny\tchoria=rip\t*\t*\t*\nallow\t*\t*\t*\t*", false)]
    [InlineData("policy default allow\ndeny\t*\tping\t*\t*", false)]
    [InlineData("allow\t*\t*\tone=one and two=two\t*\npolicy default deny", false)]
    [InlineData("garbage line\npolicy default allow", true)]
    public void Action_policy_matrix(string policy, bool allowed) => Assert.Equal(allowed, Authorize(policy));

    // A "!" inside a fact filter is an operator, not a compound "not": the rule must be evaluated, otherwise a
    // deny rule written with != is silently skipped and the next allow rule lets the caller in.
    [Theory]
    [InlineData("deny\t*\t*\tone!=two\t*\nallow\t*\t*\t*\t*", false)]
    [InlineData("deny\t*\t*\tone!=one\t*\nallow\t*\t*\t*\t*", true)]
    [InlineData("deny\t*\t*\tdigit!=2 one=one\t*\nallow\t*\t*\t*\t*", false)]
    [InlineData("allow\t*\t*\tone!=two\t*", true)]
    [InlineData("deny\t*\t*\t!one=one\t*\nallow\t*\t*\t*\t*", true)]
    [InlineData("deny\t*\t*\tnot one=one\t*\nallow\t*\t*\t*\t*", true)]
    [InlineData("deny\t*\t*\t(one=one)\t*\nallow\t*\t*\t*\t*", true)]
    [InlineData("deny\t*\t*\t*\tnot apache\nallow\t*\t*\t*\t*", true)]
    [InlineData("deny\t*\t*\t*\tand\nallow\t*\t*\t*\t*", true)]
    [InlineData("deny\t*\t*\t*\tandroid\nallow\t*\t*\t*\t*", true)]
    public void Compound_detection_is_per_word_as_in_go(string policy, bool allowed) => Assert.Equal(allowed, Authorize(policy));

    // Go's MatchesFacts/MatchesClasses errors abort the whole evaluation: a later allow rule must not win.
    [Theory]
    [InlineData("allow\t*\t*\tnonsense\t*")]
    [InlineData("deny\t*\t*\tnonsense\t*\nallow\t*\t*\t*\t*")]
    [InlineData("allow\t*\t*\tone=two nonsense\t*\nallow\t*\t*\t*\t*")]
    [InlineData("allow\t*\t*\t*\tone=one\nallow\t*\t*\t*\t*")]
    [InlineData("allow\t*\t*\t*\tapache digit>1\npolicy default allow")]
    [InlineData("allow\t*\t*\tnonsense\tone=one\npolicy default allow")]
    public void Broken_fact_or_class_column_denies_the_request(string policy) => Assert.False(Authorize(policy));

    [Theory]
    [InlineData("allow\tchoria=other\t*\tnonsense\t*\nallow\t*\t*\t*\t*", true)]
    [InlineData("allow\t*\tstatus\t*\tone=one\nallow\t*\t*\t*\t*", true)]
    public void Broken_rule_for_another_caller_or_action_is_not_evaluated(string policy, bool allowed) =>
        Assert.Equal(allowed, Authorize(policy));

    [Fact]
    public void Missing_policy_denies_and_default_policy_is_used_when_enabled()
    {
        var auth = new ActionPolicyAuthorizer(new ActionPolicyOptions { PolicyDirectory = _dir.FullName, AllowUnconfigured = true }, () => default, () => [], FilterFactMatcher.Instance, NullLogger<ActionPolicyAuthorizer>.Instance);
        Assert.False(auth.IsAuthorized(new ActionRequest { Agent = "rpcutil", Action = "ping" }));
        Assert.True(Authorize("allow\t*\t*\t*\t*", enableDefault: true, agent: "other"));
    }

    [Theory]
    [InlineData("action_policy", true)]
    [InlineData("Action_policy", true)]
    [InlineData("ACTION_POLICY", true)]
    [InlineData("rego_policy", false)]
    [InlineData("aaasvc", false)]
    [InlineData("", false)]
    [InlineData("nonsense", false)]
    public void Rpcauthprovider_action_policy_works_and_any_other_provider_denies(string provider, bool allowed)
    {
        Write("rpcutil.policy", "allow\t*\t*\t*\t*");
        var auth = RequestAuthorizers.Create(provider, new ActionPolicyOptions { PolicyDirectory = _dir.FullName }, () => default, () => [], NullLoggerFactory.Instance);
        Assert.Equal(allowed, auth.IsAuthorized(new ActionRequest { Agent = "rpcutil", Action = "ping", Envelope = new RequestEnvelope { CallerId = "choria=rip" } }));
        Assert.Equal(allowed, auth is ActionPolicyAuthorizer);
    }

    [Fact]
    public void Audit_line_matches_example_and_appends()
    {
        var request = new ActionRequest
        {
            Agent = "rpcutil",
            Action = "ping",
            Envelope = new RequestEnvelope
            {
                RequestId = "4b5d2f1a9c3e4d7f8a6b0c1d2e3f4a5b",
                Time = 1578175200,
                CallerId = "choria=rip.mcollective",
                SenderId = "client1.example.net",
            },
        };
        var expected = File.ReadAllText(TestPaths.Fixture("server", "examples", "audit_line_2020.json")).TrimEnd();
        var line = System.Text.Encoding.UTF8.GetString(RpcAuditor.FormatLine(request, DateTimeOffset.FromUnixTimeSeconds(1578175200)));
        Assert.Equal(expected + "\n", line);

        var log = Path.Combine(_dir.FullName, "audit.log");
        var auditor = new RpcAuditor(new RpcAuditOptions { LogFile = log }, NullLogger<RpcAuditor>.Instance);
        Parallel.For(0, 20, _ => auditor.Audit(request));
        var lines = File.ReadAllLines(log);
        Assert.Equal(20, lines.Length);
        Assert.All(lines, l => Assert.Equal("rpcutil", JsonDocument.Parse(l).RootElement.GetProperty("agent").GetString()));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(log));
        }
    }

    [Fact]
    public void An_audit_write_to_a_full_disk_is_counted_and_does_not_throw()
    {
        var request = new ActionRequest
        {
            Agent = "rpcutil",
            Action = "ping",
            Envelope = new RequestEnvelope
            {
                RequestId = "f1",
                CallerId = "choria=rip.mcollective",
                Collective = "mcollective",
                SenderId = "client1.example.net",
            },
        };
        var counters = new ServerCounters();
        // /dev/full fails every write with ENOSPC, as a full disk does (for root too).
        var auditor = new RpcAuditor(new RpcAuditOptions { LogFile = "/dev/full" }, NullLogger<RpcAuditor>.Instance, counters: counters);

        auditor.Audit(request);
        auditor.Audit(request);

        Assert.Equal(2, counters.WriteFailures(WriteTarget.AuditLog));
    }
}
