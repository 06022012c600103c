using System.Security.Cryptography.X509Certificates;

namespace Choria.Connector;

/// <summary>
/// TLS material from PEM files. The key may be PKCS#1 (<c>RSA PRIVATE KEY</c>), PKCS#8 or EC.
/// <see cref="Verify"/> false accepts any broker certificate (the client certificate is still sent).
/// </summary>
public sealed record ConnectorTlsOptions(string CertFile, string KeyFile, string CaFile, bool Verify = true)
{
    /// <summary>
    /// When set, called on every connect instead of reading <see cref="CertFile"/> and <see cref="KeyFile"/>: the
    /// client certificate with its private key first, then any intermediates. It lets the owner of the key (the
    /// security provider, which already holds it to sign requests) hand over the key it has loaded rather than
    /// having it decoded again for every connection (docs/performance.md).
    /// </summary>
    public Func<X509Certificate2Collection>? ClientCertificates { get; init; }
}
