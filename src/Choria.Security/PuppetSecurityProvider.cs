using Microsoft.Extensions.Logging;

namespace Choria.Security;

/// <summary>Puppet-style ssldir layout (docs/security.md). Create with <see cref="CreateAsync"/>.</summary>
public sealed class PuppetSecurityProvider : X509SecurityProvider
{
    private PuppetSecurityProvider(string sslDir, string identity, SecurityPolicyOptions policy, TimeProvider? time, ILogger? logger)
        : base(identity, policy, time, logger)
    {
        SslDir = sslDir;
    }

    public string SslDir { get; }

    public override string CertificatePath => Path.Combine(SslDir, "certs", Identity + ".pem");

    public override string PrivateKeyPath => Path.Combine(SslDir, "private_keys", Identity + ".pem");

    public override string CaPath => Path.Combine(SslDir, "certs", "ca.pem");

    public override string CacheDirectory => Path.Combine(SslDir, "choria_security", "public_certs");

    public string CsrPath => Path.Combine(SslDir, "certificate_requests", Identity + ".pem");

    /// <summary>Resolves the ssldir once (Puppet may be asked) and the certname.</summary>
    public static async Task<PuppetSecurityProvider> CreateAsync(
        PuppetSecurityOptions options,
        PuppetSslDirLocator? locator = null,
        ISecurityEnvironment? environment = null,
        TimeProvider? time = null,
        ILogger<PuppetSecurityProvider>? logger = null,
        CancellationToken cancellationToken = default)
    {
        environment ??= SystemSecurityEnvironment.Instance;
        locator ??= new PuppetSslDirLocator(null, environment);
        var sslDir = await locator.LocateAsync(options.SslDir, cancellationToken).ConfigureAwait(false);
        var identity = CertnameRules.Resolve(options.CertnameOverride, options.Identity, environment);
        return new PuppetSecurityProvider(sslDir, identity, options.Policy, time, logger);
    }

    /// <summary>Creates the ssldir tree with Puppet's modes; existing directories are left alone.</summary>
    public void CreateDirectories()
    {
        UnixFiles.CreateDirectory(SslDir, UnixFiles.Mode0771);
        foreach (var name in new[] { "certificate_requests", "certs", "public_keys" })
        {
            UnixFiles.CreateDirectory(Path.Combine(SslDir, name), UnixFiles.Mode0755);
        }

        foreach (var name in new[] { "private_keys", "private" })
        {
            UnixFiles.CreateDirectory(Path.Combine(SslDir, name), UnixFiles.Mode0750);
        }

        UnixFiles.CreateDirectory(Path.Combine(SslDir, "choria_security"), UnixFiles.Mode0755);
        EnsureCacheDirectory();
    }
}
