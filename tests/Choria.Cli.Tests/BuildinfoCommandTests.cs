using Choria.Cli.Commands;
using Choria.Config.Build;

namespace Choria.Cli.Tests;

public class BuildinfoCommandTests
{
    [Fact]
    public void Labels_are_right_aligned_within_each_section()
    {
        var text = BuildinfoCommand.Render(new BuildSettings { Version = "1.2.3", Sha = "abc1234" });

        Assert.Contains("     Version: 1.2.3\n", text, StringComparison.Ordinal);
        Assert.Contains("     Git SHA: abc1234\n", text, StringComparison.Ordinal);
        Assert.Contains("            TLS: true\n", text, StringComparison.Ordinal);
        Assert.Contains("  x509 Security: true\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("NOTE:", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Agent_providers_are_listed_with_their_versions()
    {
        var text = BuildinfoCommand.Render(new BuildSettings { Version = "1.2.3" });

        Assert.Contains("Agent Providers:\n\t.NET MCollective Agent Compatibility version 1.2.3\n\tRuby MCollective Agent Compatibility version 1.2.3\n\tExternal Agent version 1.2.3\n\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Insecure_builds_print_a_warning_and_never_the_token()
    {
        var text = BuildinfoCommand.Render(new BuildSettings { Tls = "false", Secure = "false", ProvisionToken = "s3cret" });

        Assert.Contains("NOTE:", text, StringComparison.Ordinal);
        Assert.Contains("Provisioning Token: set\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", text, StringComparison.Ordinal);
        Assert.Contains("  x509 Security: false\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Compiled_in_plugins_are_listed_by_name_kind_and_version_or_none()
    {
        var none = new System.Text.StringBuilder();
        BuildinfoCommand.AppendPlugins(none, []);
        Assert.Equal("Compiled-in Plugins:\n\tnone\n\n", none.ToString());

        var registry = new Choria.Server.Plugins.CompiledPlugins();
        registry.Register("zebra", new Choria.Sdk.AgentPlugin("zebra", "2.0.0", _ => throw new InvalidOperationException()));
        registry.Register("ant", new Choria.Sdk.AgentPlugin("ant", "0.1.0", _ => throw new InvalidOperationException()));
        var some = new System.Text.StringBuilder();
        BuildinfoCommand.AppendPlugins(some, registry.All);
        Assert.Equal("Compiled-in Plugins:\n\tant    agent  0.1.0\n\tzebra  agent  2.0.0\n\n", some.ToString());
    }
}
