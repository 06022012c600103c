using Choria.Config;
using Choria.Security;

namespace Choria.Client.Tests;

public class ClientSecurityPolicyTests
{
    private sealed class FakeEnvironment(bool root) : ISecurityEnvironment
    {
        public string? GetVariable(string name) => null;

        public bool IsRoot => root;

        public bool IsWindows => false;

        public string? HomeDirectory => "/root";
    }

    private static ChoriaConfig Config(string text) => ConfigLoader.LoadText("identity = node.example.net\n" + text).Config;

    [Fact]
    public void Root_with_the_puppet_provider_is_refused_naming_the_setting()
    {
        var e = Assert.Throws<ChoriaClientException>(() => ClientSecurityPolicy.EnsureMayRun(Config("plugin.security.provider = puppet\n"), new FakeEnvironment(root: true)));

        Assert.StartsWith("cannot run a Choria client as root with the puppet security provider", e.Message, StringComparison.Ordinal);
        Assert.Contains("node.example.net", e.Message, StringComparison.Ordinal);
        Assert.Contains("plugin.security.puppet.allow_root_client = true", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Puppet_is_the_default_provider_so_an_empty_config_is_refused_too() =>
        Assert.Throws<ChoriaClientException>(() => ClientSecurityPolicy.EnsureMayRun(Config(""), new FakeEnvironment(root: true)));

    [Theory]
    [InlineData(true, "plugin.security.provider = puppet\nplugin.security.puppet.allow_root_client = true\n")]
    [InlineData(true, "plugin.security.provider = file\n")]
    [InlineData(false, "plugin.security.provider = puppet\n")]
    public void Allowed_combinations_pass(bool root, string config) =>
        ClientSecurityPolicy.EnsureMayRun(Config(config), new FakeEnvironment(root));
}
