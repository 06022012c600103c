using Choria.Config;
using Choria.Config.Build;
using Choria.Framework;
using Choria.Security;
using Choria.Security.Dev;
using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.Client.Tests;

/// <summary>
/// The security settings travel config file → <see cref="SecurityProviderFactory.PolicyFrom"/> → provider;
/// a key renamed or dropped on the way would silently fall back to the provider's built-in defaults.
/// </summary>
public sealed class SecuritySettingsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "choria-secsettings-" + Guid.NewGuid().ToString("N"));
    private readonly DevCertificateAuthority _ca;
    private readonly string _ssl;

    public SecuritySettingsTests()
    {
        _ssl = Path.Combine(_dir, "ssl");
        _ca = DevCertificateAuthority.Create(Path.Combine(_dir, "ca"));
        _ca.IssueCertificate("node1.example.net", [], _ssl);
    }

    public void Dispose()
    {
        _ca.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Config_file_policy_reaches_the_file_provider()
    {
        // certname_whitelist comes from plugin.d so the drop-in path is covered as well as the main file.
        var config = Load(
            "plugin.security.always_overwrite_cache = true\nplugin.choria.security.privileged_users = \\.admin$\n",
            "security.certname_whitelist = \\.ops$\n");

        var policy = SecurityProviderFactory.PolicyFrom(config);
        Assert.True(policy.AlwaysOverwriteCache);
        Assert.Equal([@"\.admin$"], policy.PrivilegedUsers);
        Assert.Equal([@"\.ops$"], policy.CertnameAllowList);
        Assert.False(policy.Insecure);

        var provider = await SecurityProviderFactory.CreateAsync(config, NullLoggerFactory.Instance, null, CancellationToken.None);
        Assert.IsType<FileSecurityProvider>(provider);

        var bob = Issue("bob.ops");
        var accepted = provider.ShouldCacheClientCert(bob, "bob.ops");
        Assert.True(accepted.Accept, accepted.Message);
        Assert.False(accepted.Privileged);

        // The configured allow list replaces the default one, so a default-accepted name is now refused.
        var eve = provider.ShouldCacheClientCert(Issue("eve.mcollective"), "eve.mcollective");
        Assert.Equal(SecurityFailureReason.NotAllowed, eve.Reason);

        var admin = provider.ShouldCacheClientCert(Issue("root.admin"), "someone.ops");
        Assert.True(admin.Accept, admin.Message);
        Assert.True(admin.Privileged);
        Assert.Equal("root.admin", admin.Name);

        // The default privileged pattern no longer applies: the cert must match its caller like anyone else.
        var formerlyPrivileged = provider.ShouldCacheClientCert(Issue("x.privileged.mcollective"), "someone.ops");
        Assert.False(formerlyPrivileged.Accept);
        Assert.False(formerlyPrivileged.Privileged);

        Assert.Equal(Reissued(provider, "bob.ops", bob), File.ReadAllText(CachePath("bob.ops")));
    }

    [Fact]
    public async Task Without_always_overwrite_cache_the_first_cached_certificate_stays()
    {
        var config = Load("plugin.security.always_overwrite_cache = false\n", "security.certname_whitelist = \\.ops$\n");
        Assert.False(SecurityProviderFactory.PolicyFrom(config).AlwaysOverwriteCache);
        var provider = await SecurityProviderFactory.CreateAsync(config, NullLoggerFactory.Instance, null, CancellationToken.None);

        var first = Issue("bob.ops");
        Reissued(provider, "bob.ops", first);
        Assert.Equal(first, File.ReadAllText(CachePath("bob.ops")));
    }

    [Fact]
    public async Task Defaults_apply_when_the_file_sets_nothing()
    {
        var config = Load("", null);
        var policy = SecurityProviderFactory.PolicyFrom(config);
        Assert.False(policy.AlwaysOverwriteCache);
        Assert.Equal([@"\.privileged.mcollective$", @"\.privileged.choria$"], policy.PrivilegedUsers);
        Assert.Equal([@"\.mcollective$", @"\.choria$"], policy.CertnameAllowList);

        var provider = await SecurityProviderFactory.CreateAsync(config, NullLoggerFactory.Instance, null, CancellationToken.None);
        Assert.True(provider.ShouldCacheClientCert(Issue("eve.mcollective"), "eve.mcollective").Accept);
        Assert.True(provider.ShouldCacheClientCert(Issue("ops.privileged.choria"), "eve.mcollective").Privileged);
    }

    /// <summary>Caches <paramref name="first"/>, then offers a newly issued certificate for the same name; returns it.</summary>
    private string Reissued(ISecurityProvider provider, string certname, string first)
    {
        Assert.True(provider.CacheClientCert(first, certname).Accept);
        Assert.Equal(first, File.ReadAllText(CachePath(certname)));
        var second = Issue(certname);
        Assert.NotEqual(first, second);
        Assert.True(provider.CacheClientCert(second, certname).Accept);
        return second;
    }

    private string CachePath(string certname) => Path.Combine(_dir, "cache", certname + ".pem");

    private string Issue(string certname)
    {
        var issued = _ca.IssueCertificate(certname, [], Path.Combine(_dir, "clients", Guid.NewGuid().ToString("N")));
        return File.ReadAllText(issued.CertificatePath);
    }

    private ChoriaConfig Load(string extra, string? pluginD)
    {
        var etc = Path.Combine(_dir, "etc");
        Directory.CreateDirectory(Path.Combine(etc, "plugin.d"));
        var file = Path.Combine(etc, "client.conf");
        File.WriteAllText(file,
            "identity = node1.example.net\n" +
            "plugin.security.provider = file\n" +
            $"plugin.security.file.certificate = {Path.Combine(_ssl, "certs", "node1.example.net.pem")}\n" +
            $"plugin.security.file.key = {Path.Combine(_ssl, "private_keys", "node1.example.net.pem")}\n" +
            $"plugin.security.file.ca = {_ca.CaPath}\n" +
            $"plugin.security.file.cache = {Path.Combine(_dir, "cache")}\n" +
            extra);
        var dropIn = Path.Combine(etc, "plugin.d", "choria.cfg");
        if (pluginD is null)
        {
            File.Delete(dropIn);
        }
        else
        {
            File.WriteAllText(dropIn, pluginD);
        }

        var result = ConfigLoader.Load(file, new ConfigLoadOptions
        {
            Environment = new Dictionary<string, string?>(),
            HostnameProvider = () => "node1.example.net",
            FqdnResolver = _ => null,
            HomeDirectory = Path.Combine(_dir, "home"),
            Build = new BuildSettings { Tls = "true", Secure = "true" },
        });
        Assert.Empty(result.Warnings);
        return result.Config;
    }
}
