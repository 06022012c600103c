using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Choria.Security.Dev;

/// <summary>
/// A throw-away CA for demos and tests. Issued certificates are written in Puppet ssldir layout
/// (<c>certs/&lt;c&gt;.pem</c>, <c>private_keys/&lt;c&gt;.pem</c>, <c>certs/ca.pem</c>) so the
/// target directory works directly as a puppet provider ssldir or as file provider paths.
/// </summary>
public sealed class DevCertificateAuthority : IDisposable
{
    private static readonly Oid s_serverAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid s_clientAuth = new("1.3.6.1.5.5.7.3.2");

    private readonly RSA _key;

    private DevCertificateAuthority(X509Certificate2 certificate, RSA key, string caPath)
    {
        Certificate = certificate;
        _key = key;
        CaPath = caPath;
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>The CA certificate PEM file.</summary>
    public string CaPath { get; }

    /// <summary>Creates a CA in <paramref name="dir"/> (<c>ca.pem</c>, <c>ca_key.pem</c>), valid from one day ago for ten years.</summary>
    public static DevCertificateAuthority Create(string dir, string commonName = "Choria Dev CA")
    {
        UnixFiles.CreateDirectory(dir, UnixFiles.Mode0755);
        var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = TimeProvider.System.GetUtcNow();
        var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));

        var caPath = Path.Combine(dir, "ca.pem");
        UnixFiles.WriteFile(caPath, System.Text.Encoding.ASCII.GetBytes(certificate.ExportCertificatePem() + "\n"), UnixFiles.Mode0644);
        WritePrivateKey(Path.Combine(dir, "ca_key.pem"), key);
        return new DevCertificateAuthority(certificate, key, caPath);
    }

    /// <summary>Issues a 2048-bit RSA certificate for <paramref name="certname"/> with EKU server+client auth and SANs.</summary>
    public IssuedCertificate IssueCertificate(string certname, IEnumerable<string> dnsNames, string dir) =>
        IssueCustomCertificate(certname, dnsNames, dir, clientAuth: true, notAfter: null);

    internal IssuedCertificate IssueCustomCertificate(string certname, IEnumerable<string> dnsNames, string dir, bool clientAuth, DateTimeOffset? notAfter)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={certname}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(clientAuth ? [s_serverAuth, s_clientAuth] : [s_serverAuth], false));
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in new[] { certname }.Concat(dnsNames).Distinct(StringComparer.Ordinal))
        {
            san.AddDnsName(name);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));

        var now = TimeProvider.System.GetUtcNow();
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var certificate = request.Create(Certificate, now.AddDays(-1), notAfter ?? now.AddYears(5), serial);

        var certs = Path.Combine(dir, "certs");
        var keys = Path.Combine(dir, "private_keys");
        UnixFiles.CreateDirectory(dir, UnixFiles.Mode0771);
        UnixFiles.CreateDirectory(certs, UnixFiles.Mode0755);
        UnixFiles.CreateDirectory(keys, UnixFiles.Mode0750);

        var certificatePath = Path.Combine(certs, certname + ".pem");
        var keyPath = Path.Combine(keys, certname + ".pem");
        var caPath = Path.Combine(certs, "ca.pem");
        UnixFiles.WriteFile(certificatePath, System.Text.Encoding.ASCII.GetBytes(certificate.ExportCertificatePem() + "\n"), UnixFiles.Mode0644);
        WritePrivateKey(keyPath, key);
        if (!string.Equals(Path.GetFullPath(caPath), Path.GetFullPath(CaPath), StringComparison.Ordinal))
        {
            UnixFiles.WriteFile(caPath, File.ReadAllBytes(CaPath), UnixFiles.Mode0644);
        }

        return new IssuedCertificate(certname, certificatePath, keyPath, caPath);
    }

    /// <summary>Writes a PKCS#1 <c>RSA PRIVATE KEY</c> PEM with mode 0640, the form 2020 Go can load.</summary>
    public static void WritePrivateKey(string path, RSA key) =>
        UnixFiles.WriteFile(path, System.Text.Encoding.ASCII.GetBytes(key.ExportRSAPrivateKeyPem() + "\n"), UnixFiles.Mode0640);

    public void Dispose()
    {
        Certificate.Dispose();
        _key.Dispose();
    }
}
