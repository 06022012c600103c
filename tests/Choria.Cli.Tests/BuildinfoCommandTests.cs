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
}
