using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Choria.Connector.Tests;

/// <summary>A throw-away CA and a leaf (server+client EKU, SAN 127.0.0.1 and localhost) as PEM files.</summary>
internal sealed class TestCerts : IDisposable
{
    private TestCerts(string dir) => Dir = dir;

    public string Dir { get; }

    public string CaFile => Path.Combine(Dir, "ca.pem");

    public string CertFile => Path.Combine(Dir, "cert.pem");

    /// <summary>The leaf key as PKCS#1 (<c>RSA PRIVATE KEY</c>), as Choria's PKI writes it.</summary>
    public string Pkcs1KeyFile => Path.Combine(Dir, "key-pkcs1.pem");

    public string Pkcs8KeyFile => Path.Combine(Dir, "key-pkcs8.pem");

    public static TestCerts Create()
    {
        var dir = Directory.CreateTempSubdirectory("choria-certs-").FullName;
        using var caKey = RSA.Create(2048);
        var caReq = new CertificateRequest("CN=Choria Test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caReq.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caReq.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var ca = caReq.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var key = RSA.Create(2048);
        var req = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509AuthorityKeyIdentifierExtension(
            X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false).RawData, false));
        var serial = RandomNumberGenerator.GetBytes(12);
        using var leaf = req.Create(ca, now.AddMinutes(-5), now.AddHours(12), serial);

        File.WriteAllText(Path.Combine(dir, "ca.pem"), ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(dir, "cert.pem"), leaf.ExportCertificatePem());
        File.WriteAllText(Path.Combine(dir, "key-pkcs1.pem"), key.ExportRSAPrivateKeyPem());
        File.WriteAllText(Path.Combine(dir, "key-pkcs8.pem"), key.ExportPkcs8PrivateKeyPem());
        return new TestCerts(dir);
    }

    /// <summary>nats-server tls block: server presents the leaf and requires client certs from the CA.</summary>
    public string ServerTlsConfig() =>
        $$"""
        tls {
          cert_file: "{{CertFile}}"
          key_file: "{{Pkcs8KeyFile}}"
          ca_file: "{{CaFile}}"
          verify: true
          timeout: 2
        }
        """;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
