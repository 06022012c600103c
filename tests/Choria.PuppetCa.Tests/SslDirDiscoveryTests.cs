using Choria.Security;

namespace Choria.PuppetCa.Tests;

/// <summary>The puppet provider's ssldir discovery (docs/security.md) running the real <c>puppet</c>.</summary>
[Collection(PuppetServerGroup.Name)]
[Trait(TestCategory.Name, TestCategory.Process)]
[Trait("Requires", PuppetServerGroup.Requires)]
public sealed class SslDirDiscoveryTests
{
    [Fact]
    public async Task Root_asks_puppet_once_and_gets_what_puppet_config_print_says()
    {
        var printer = new CountingPrinter(new PuppetConfigPrinter());
        var locator = new PuppetSslDirLocator(printer, new Environment(isRoot: true, home: "/nonexistent"));

        var first = await locator.LocateAsync(null, CancellationToken.None);
        var second = await locator.LocateAsync(null, CancellationToken.None);

        Assert.Equal(await PuppetCaFixture.PuppetSslDirAsync(), first);
        Assert.Equal(first, second);
        Assert.Equal(1, printer.Calls);
    }

    [Fact]
    public async Task Non_root_uses_the_home_directory_without_asking_puppet()
    {
        var printer = new CountingPrinter(new PuppetConfigPrinter());
        var locator = new PuppetSslDirLocator(printer, new Environment(isRoot: false, home: "/home/rip"));

        Assert.Equal("/home/rip/.puppetlabs/etc/puppet/ssl", await locator.LocateAsync(null, CancellationToken.None));
        Assert.Equal(0, printer.Calls);
    }

    [Fact]
    public async Task Puppet_slower_than_the_timeout_names_the_setting_that_avoids_it()
    {
        // The real puppet takes seconds to print a setting; a millisecond is never enough.
        var locator = new PuppetSslDirLocator(new PuppetConfigPrinter(), new Environment(isRoot: true, home: "/nonexistent"), TimeSpan.FromMilliseconds(1));

        var e = await Assert.ThrowsAsync<SecurityConfigurationException>(() => locator.LocateAsync(null, CancellationToken.None));
        Assert.Equal("'puppet apply --configprint ssldir' did not answer within 0.001s; set plugin.choria.ssldir to the Puppet SSL directory so Puppet is not asked", e.Message);
    }

    private sealed class CountingPrinter(IPuppetConfigPrinter inner) : IPuppetConfigPrinter
    {
        private int _calls;

        public int Calls => _calls;

        public Task<string?> SslDirAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return inner.SslDirAsync(cancellationToken);
        }
    }

    private sealed class Environment(bool isRoot, string home) : ISecurityEnvironment
    {
        public bool IsRoot => isRoot;

        public bool IsWindows => false;

        public string? HomeDirectory => home;

        public string? GetVariable(string name) => null;
    }
}
