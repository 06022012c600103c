using Choria.Security.Dev;

namespace Choria.Security.Tests;

public sealed class PuppetProviderTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private sealed class CountingPrinter(string? answer) : IPuppetConfigPrinter
    {
        public int Calls { get; private set; }

        public Task<string?> SslDirAsync(CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult(answer);
        }
    }

    [Fact]
    public async Task Configured_ssldir_wins_and_expands_home()
    {
        var printer = new CountingPrinter("/etc/puppetlabs/puppet/ssl");
        var locator = new PuppetSslDirLocator(printer, new FakeEnvironment { HomeDirectory = "/home/bob" });
        Assert.Equal("/srv/ssl", await locator.LocateAsync("/srv/ssl", CancellationToken.None));
        Assert.Equal("/home/bob/ssl", await locator.LocateAsync("~/ssl", CancellationToken.None));
        Assert.Equal(0, printer.Calls);
    }

    [Fact]
    public async Task Root_asks_puppet_once_and_caches_the_answer()
    {
        var printer = new CountingPrinter("/etc/puppetlabs/puppet/ssl");
        var locator = new PuppetSslDirLocator(printer, new FakeEnvironment { IsRoot = true });
        Assert.Equal("/etc/puppetlabs/puppet/ssl", await locator.LocateAsync(null, CancellationToken.None));
        Assert.Equal("/etc/puppetlabs/puppet/ssl", await locator.LocateAsync("", CancellationToken.None));
        Assert.Equal(1, printer.Calls);
    }

    [Fact]
    public async Task Non_root_or_no_puppet_uses_home_puppetlabs()
    {
        var expected = Path.Combine("/home/bob", ".puppetlabs", "etc", "puppet", "ssl");
        var user = new PuppetSslDirLocator(new CountingPrinter("/etc/x"), new FakeEnvironment { IsRoot = false, HomeDirectory = "/home/bob" });
        Assert.Equal(expected, await user.LocateAsync(null, CancellationToken.None));
        var noPuppet = new PuppetSslDirLocator(new CountingPrinter(null), new FakeEnvironment { IsRoot = true, HomeDirectory = "/home/bob" });
        Assert.Equal(expected, await noPuppet.LocateAsync(null, CancellationToken.None));
    }

    [Fact]
    public async Task Layout_follows_puppet_and_identity_rules()
    {
        var provider = await PuppetSecurityProvider.CreateAsync(new PuppetSecurityOptions { SslDir = "/ssl", Identity = "node1.example.net" },
            environment: new FakeEnvironment { IsRoot = true });
        Assert.Equal("node1.example.net", provider.Identity);
        Assert.Equal("choria=node1.example.net", provider.CallerId);
        Assert.Equal("/ssl/certs/node1.example.net.pem", provider.CertificatePath);
        Assert.Equal("/ssl/private_keys/node1.example.net.pem", provider.PrivateKeyPath);
        Assert.Equal("/ssl/certs/ca.pem", provider.CaPath);
        Assert.Equal("/ssl/certificate_requests/node1.example.net.pem", provider.CsrPath);
        Assert.Equal("/ssl/choria_security/public_certs", provider.CacheDirectory);

        var user = await PuppetSecurityProvider.CreateAsync(new PuppetSecurityOptions { SslDir = "/ssl", Identity = "node1.example.net" },
            environment: new FakeEnvironment { IsRoot = false, Variables = { ["USER"] = "bob" } });
        Assert.Equal("/ssl/certs/bob.mcollective.pem", user.CertificatePath);
        var overridden = await PuppetSecurityProvider.CreateAsync(new PuppetSecurityOptions { SslDir = "/ssl", CertnameOverride = "x.choria" },
            environment: new FakeEnvironment());
        Assert.Equal("x.choria", overridden.Identity);
    }

    [Fact]
    public async Task Create_directories_uses_puppet_modes()
    {
        var ssl = _dir.Combine("ssl");
        var provider = await PuppetSecurityProvider.CreateAsync(new PuppetSecurityOptions { SslDir = ssl, Identity = "n1" }, environment: new FakeEnvironment());
        provider.CreateDirectories();
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        Assert.Equal(UnixFiles.Mode0771, File.GetUnixFileMode(ssl));
        foreach (var name in new[] { "certificate_requests", "certs", "public_keys" })
        {
            Assert.Equal(UnixFiles.Mode0755, File.GetUnixFileMode(Path.Combine(ssl, name)));
        }

        foreach (var name in new[] { "private_keys", "private" })
        {
            Assert.Equal(UnixFiles.Mode0750, File.GetUnixFileMode(Path.Combine(ssl, name)));
        }

        Assert.Equal(UnixFiles.Mode0755, File.GetUnixFileMode(provider.CacheDirectory));
    }

    [Fact]
    public async Task Dev_ca_issued_ssldir_works_end_to_end_at_now()
    {
        var ssl = _dir.Combine("ssl");
        using var ca = DevCertificateAuthority.Create(_dir.Combine("ca"));
        var server = ca.IssueCertificate("node1.example.net", [], ssl);
        ca.IssueCertificate("bob.mcollective", [], ssl);

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFiles.Mode0640, File.GetUnixFileMode(server.PrivateKeyPath));
            Assert.Equal(UnixFiles.Mode0644, File.GetUnixFileMode(server.CertificatePath));
        }

        Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", File.ReadAllText(server.PrivateKeyPath), StringComparison.Ordinal);

        var client = await PuppetSecurityProvider.CreateAsync(new PuppetSecurityOptions { SslDir = ssl, CertnameOverride = "bob.mcollective" }, environment: new FakeEnvironment());
        var node = await PuppetSecurityProvider.CreateAsync(new PuppetSecurityOptions { SslDir = ssl, Identity = "node1.example.net" }, environment: new FakeEnvironment());
        Assert.Empty(client.ValidateFiles());
        Assert.Empty(node.ValidateFiles());

        const string message = "{\"protocol\":\"choria:request:1\"}";
        var signature = client.SignToBase64(System.Text.Encoding.UTF8.GetBytes(message));
        var result = node.VerifySecureRequest(message, signature, client.PublicCertPem, client.CallerId);
        Assert.True(result.Valid, result.Message);
        Assert.True(File.Exists(Path.Combine(node.CacheDirectory, "bob.mcollective.pem")));

        // The server certificate is not on the default client allow list.
        var serverSig = node.SignToBase64(System.Text.Encoding.UTF8.GetBytes(message));
        Assert.Equal(SecurityFailureReason.NotAllowed, client.VerifySecureRequest(message, serverSig, node.PublicCertPem, node.CallerId).Reason);
    }
}
