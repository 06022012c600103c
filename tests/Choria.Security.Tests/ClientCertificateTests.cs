using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Choria.Security.Tests;

/// <summary>The certificate the connector presents to the broker, built from the provider's own key.</summary>
public sealed class ClientCertificateTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private FileSecurityProvider Provider(string name)
    {
        File.Copy(TestPaths.Good($"certs/{name}.pem"), _dir.Combine("cert.pem"), overwrite: true);
        File.Copy(TestPaths.Good($"private_keys/{name}.pem"), _dir.Combine("key.pem"), overwrite: true);
        return new FileSecurityProvider(new FileSecurityOptions
        {
            Certificate = _dir.Combine("cert.pem"),
            Key = _dir.Combine("key.pem"),
            Ca = TestPaths.Good("certs/ca.pem"),
            CacheDirectory = _dir.Combine("cache"),
            Identity = "rip.mcollective",
            Policy = Providers.TestPolicy,
        }, new FakeEnvironment(), FixedTime.Fixture);
    }

    private void Replace(string name)
    {
        File.Copy(TestPaths.Good($"certs/{name}.pem"), _dir.Combine("cert.pem"), overwrite: true);
        File.Copy(TestPaths.Good($"private_keys/{name}.pem"), _dir.Combine("key.pem"), overwrite: true);
    }

    [Fact]
    public void The_certificate_carries_the_key_that_signs_requests()
    {
        var provider = Provider("rip.mcollective");
        var certificates = provider.ClientCertificates();

        var leaf = Assert.Single(certificates);
        Assert.True(leaf.HasPrivateKey);
        Assert.Equal(X509CertificateLoader.LoadCertificateFromFile(TestPaths.Good("certs/rip.mcollective.pem")).Thumbprint, leaf.Thumbprint);
        using var tlsKey = leaf.GetRSAPrivateKey()!;
        var data = "too many secrets"u8.ToArray();
        // The key TLS signs with and the key requests are signed with give the same (deterministic PKCS#1) signature.
        Assert.Equal(provider.Sign(data), tlsKey.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void Unchanged_files_give_the_same_collection_and_a_renewed_pair_a_new_one()
    {
        var provider = Provider("rip.mcollective");
        var first = provider.ClientCertificates();
        Assert.Same(first, provider.ClientCertificates());

        Replace("1.mcollective");
        var renewed = provider.ClientCertificates();
        Assert.NotSame(first, renewed);
        Assert.Contains("1.mcollective", renewed[0].Subject, StringComparison.Ordinal);
        Assert.True(renewed[0].HasPrivateKey);

        // Request signing keeps the key it loaded first; only the TLS pair follows the files.
        using var ripCert = X509CertificateLoader.LoadCertificateFromFile(TestPaths.Good("certs/rip.mcollective.pem"));
        using var ripPublic = ripCert.GetRSAPublicKey()!;
        var data = "payload"u8.ToArray();
        Assert.True(ripPublic.VerifyData(data, provider.Sign(data), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void Intermediates_in_the_certificate_file_follow_the_leaf()
    {
        var provider = Provider("rip.mcollective");
        var chain = File.ReadAllText(TestPaths.Good("certs/rip.mcollective.pem")) + File.ReadAllText(TestPaths.Good("certs/ca.pem"));
        File.WriteAllText(_dir.Combine("cert.pem"), chain);

        var certificates = provider.ClientCertificates();
        Assert.Equal(2, certificates.Count);
        Assert.True(certificates[0].HasPrivateKey);
        Assert.False(certificates[1].HasPrivateKey);
    }

    [Fact]
    public void A_key_that_does_not_match_the_certificate_is_a_clear_error()
    {
        var provider = Provider("rip.mcollective");
        File.Copy(TestPaths.Good("private_keys/1.mcollective.pem"), _dir.Combine("key.pem"), overwrite: true);

        var error = Assert.Throws<SecurityConfigurationException>(provider.ClientCertificates);
        Assert.Contains("does not match public certificate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_or_empty_files_are_clear_errors()
    {
        var provider = Provider("rip.mcollective");
        File.WriteAllText(_dir.Combine("cert.pem"), "not a certificate\n");
        var empty = Assert.Throws<SecurityConfigurationException>(provider.ClientCertificates);
        Assert.Contains("holds no certificate", empty.Message, StringComparison.Ordinal);

        File.Delete(_dir.Combine("key.pem"));
        var missing = Assert.Throws<SecurityConfigurationException>(provider.ClientCertificates);
        Assert.Contains("cannot read private key", missing.Message, StringComparison.Ordinal);
    }
}
