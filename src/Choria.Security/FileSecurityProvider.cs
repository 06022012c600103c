using Microsoft.Extensions.Logging;

namespace Choria.Security;

/// <summary>Explicit file paths (docs/security.md); no enrollment.</summary>
public sealed class FileSecurityProvider : X509SecurityProvider
{
    private readonly FileSecurityOptions _options;

    public FileSecurityProvider(FileSecurityOptions options, ISecurityEnvironment? environment = null, TimeProvider? time = null, ILogger<FileSecurityProvider>? logger = null)
        : base(CertnameRules.Resolve(null, options.Identity, environment ?? SystemSecurityEnvironment.Instance), options.Policy, time, logger)
    {
        _options = options;
    }

    public override string CertificatePath => _options.Certificate;

    public override string PrivateKeyPath => _options.Key;

    public override string CaPath => _options.Ca;

    public override string CacheDirectory => _options.CacheDirectory;
}
