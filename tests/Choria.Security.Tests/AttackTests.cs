using System.Security.Cryptography;
using System.Text;
using Choria.Security.Dev;

namespace Choria.Security.Tests;

/// <summary>
/// Ways a request could be accepted when it must not (docs/security.md, "Threat model"); each test is named after the
/// attack. The PKI is made fresh per test: a trusted CA, and the attacker's own CA.
/// </summary>
public sealed class AttackTests : IDisposable
{
    private const string Message = """{"agent":"rpcutil","action":"ping"}""";

    private readonly TempDir _dir = new();
    private readonly DevCertificateAuthority _ca;
    private readonly DevCertificateAuthority _rogue;

    public AttackTests()
    {
        _ca = DevCertificateAuthority.Create(_dir.Combine("ca"));
        _rogue = DevCertificateAuthority.Create(_dir.Combine("rogue"), "Rogue CA");
    }

    public void Dispose()
    {
        _ca.Dispose();
        _rogue.Dispose();
        _dir.Dispose();
    }

    private string Cache => _dir.Combine("cache");

    private FileSecurityProvider Server(TimeProvider? time = null, SecurityPolicyOptions? policy = null) => new(new FileSecurityOptions
    {
        Certificate = _ca.CaPath,
        Key = _dir.Combine("unused.pem"),
        Ca = _ca.CaPath,
        CacheDirectory = Cache,
        Identity = "node1.example.net",
        Policy = policy ?? Providers.TestPolicy with { FileRecheckInterval = TimeSpan.Zero },
    }, new FakeEnvironment(), time ?? TimeProvider.System);

    private IssuedCertificate Issue(DevCertificateAuthority ca, string certname, string dir) => ca.IssueCertificate(certname, [], _dir.Combine(dir));

    private static string Sign(IssuedCertificate signer, string message)
    {
        using var key = RSA.Create();
        key.ImportFromPem(File.ReadAllText(signer.PrivateKeyPath));
        return Convert.ToBase64String(key.SignData(Encoding.UTF8.GetBytes(message), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    private static string Pem(IssuedCertificate certificate) => File.ReadAllText(certificate.CertificatePath);

    [Theory]
    [InlineData("another CA")]
    [InlineData("another name")]
    public void Cached_certificate_swapped_on_disk_does_not_verify_requests(string swapped)
    {
        var bob = Issue(_ca, "bob.mcollective", "bob");
        var server = Server();
        Assert.True(server.VerifySecureRequest(Message, Sign(bob, Message), Pem(bob), "choria=bob.mcollective").Valid);

        // The attacker writes a certificate whose key they hold over the cached copy (their own bob.mcollective
        // from a rogue CA, or their own name from ours), then signs with that key while sending bob's real,
        // public certificate, which passes every check on its own.
        var forged = swapped == "another CA" ? Issue(_rogue, "bob.mcollective", "forged") : Issue(_ca, "mallory.mcollective", "mallory");
        File.Copy(forged.CertificatePath, Path.Combine(Cache, "bob.mcollective.pem"), overwrite: true);

        var result = server.VerifySecureRequest(Message, Sign(forged, Message), Pem(bob), "choria=bob.mcollective");
        Assert.Equal(SecurityFailureReason.SignatureInvalid, result.Reason);
    }

    [Fact]
    public void Privileged_named_file_dropped_in_the_cache_does_not_sign_for_everyone()
    {
        var bob = Issue(_ca, "bob.mcollective", "bob");
        var server = Server();
        Assert.True(server.VerifySecureRequest(Message, Sign(bob, Message), Pem(bob), "choria=bob.mcollective").Valid);

        // Every privileged certificate in the cache is a fallback verifier: one planted there by file name only
        // (rogue CA) must not become one.
        var planted = Issue(_rogue, "evil.privileged.mcollective", "planted");
        File.Copy(planted.CertificatePath, Path.Combine(Cache, "evil.privileged.mcollective.pem"));

        var result = server.VerifySecureRequest(Message, Sign(planted, Message), Pem(bob), "choria=bob.mcollective");
        Assert.Equal(SecurityFailureReason.SignatureInvalid, result.Reason);
    }

    [Fact]
    public void Certificate_chaining_to_a_second_ca_carried_in_the_pubcert_bundle_is_rejected()
    {
        // The pubcert may carry intermediates; a CA of the sender's own making among them is not an anchor.
        var forged = Issue(_rogue, "bob.mcollective", "forged");
        var bundle = Pem(forged) + File.ReadAllText(_rogue.CaPath);

        var result = Server().VerifySecureRequest(Message, Sign(forged, Message), bundle, "choria=bob.mcollective");

        Assert.Equal(SecurityFailureReason.ChainInvalid, result.Reason);
        Assert.False(File.Exists(Path.Combine(Cache, "bob.mcollective.pem")));
    }

    [Fact]
    public void Certificate_chaining_to_a_second_ca_of_the_ca_bundle_is_accepted_as_documented()
    {
        // The other side of the rule: every certificate in the configured CA file is trusted (docs/security.md).
        File.WriteAllText(_ca.CaPath, File.ReadAllText(_ca.CaPath) + File.ReadAllText(_rogue.CaPath));
        var other = Issue(_rogue, "bob.mcollective", "other");

        Assert.True(Server().VerifySecureRequest(Message, Sign(other, Message), Pem(other), "choria=bob.mcollective").Valid);
    }

    [Fact]
    public void Expired_client_certificate_is_rejected()
    {
        var expired = _ca.IssueCustomCertificate("bob.mcollective", [], _dir.Combine("expired"), clientAuth: true, notAfter: DateTimeOffset.UtcNow.AddHours(-1));

        var result = Server().VerifySecureRequest(Message, Sign(expired, Message), Pem(expired), "choria=bob.mcollective");

        Assert.Equal(SecurityFailureReason.CertificateNotTimeValid, result.Reason);
    }

    [Fact]
    public void Not_yet_valid_client_certificate_is_rejected()
    {
        // Issued valid from one day ago: a server whose clock is two days behind sees it as not yet valid.
        var bob = Issue(_ca, "bob.mcollective", "bob");
        var early = new TestClock(DateTimeOffset.UtcNow.AddDays(-2));

        var result = Server(early).VerifySecureRequest(Message, Sign(bob, Message), Pem(bob), "choria=bob.mcollective");

        Assert.Equal(SecurityFailureReason.CertificateNotTimeValid, result.Reason);
    }

    [Fact]
    public void Privileged_certificate_used_with_another_callerid_is_accepted_only_while_it_is_privileged()
    {
        var signer = Issue(_ca, "signer.privileged.mcollective", "signer");
        var accepted = Server().VerifySecureRequest(Message, Sign(signer, Message), Pem(signer), "choria=bob.mcollective");
        Assert.True(accepted.Valid, accepted.Message);
        Assert.True(accepted.Privileged);

        // Taken off privileged_users, the same certificate is just a certificate for another name.
        var demoted = Server(policy: Providers.TestPolicy with { PrivilegedUsers = ["^nobody$"], FileRecheckInterval = TimeSpan.Zero });
        Assert.Equal(SecurityFailureReason.NameMismatch, demoted.VerifySecureRequest(Message, Sign(signer, Message), Pem(signer), "choria=bob.mcollective").Reason);
    }

    [Fact]
    public void Privileged_certificate_of_another_ca_used_with_another_callerid_is_rejected()
    {
        var signer = Issue(_rogue, "signer.privileged.mcollective", "signer");

        var result = Server().VerifySecureRequest(Message, Sign(signer, Message), Pem(signer), "choria=bob.mcollective");

        Assert.Equal(SecurityFailureReason.ChainInvalid, result.Reason);
        Assert.Empty(Directory.Exists(Cache) ? Directory.GetFiles(Cache) : []);
    }

    [Fact]
    public void Mixed_case_certname_in_the_callerid_is_rejected()
    {
        // Host names match case-insensitively, so bob's certificate is valid for BOB.mcollective; the authorization
        // rules compare caller ids exactly, so a deny for choria=bob.mcollective would not apply to it.
        var bob = Issue(_ca, "bob.mcollective", "bob");
        var server = Server();

        var result = server.VerifySecureRequest(Message, Sign(bob, Message), Pem(bob), "choria=BOB.mcollective");

        Assert.Equal(SecurityFailureReason.NameMismatch, result.Reason);
        Assert.False(File.Exists(Path.Combine(Cache, "BOB.mcollective.pem")));
        Assert.True(server.VerifySecureRequest(Message, Sign(bob, Message), Pem(bob), "choria=bob.mcollective").Valid);
    }

    [Fact]
    public void Mixed_case_certname_is_accepted_when_the_certificate_is_written_so()
    {
        var mixed = Issue(_ca, "Bob.mcollective", "mixed");

        Assert.True(Server().VerifySecureRequest(Message, Sign(mixed, Message), Pem(mixed), "choria=Bob.mcollective").Valid);
    }

    [Theory]
    [InlineData("choria=bob.mcollective extra")]
    [InlineData("choria=bob.mcollective,choria=admin.mcollective")]
    [InlineData("choria=bob.mcollective\n")]
    public void Callerid_with_text_after_the_certname_is_rejected(string callerId)
    {
        // Authorization and audit see the whole callerid, the certificate check only the certname in front.
        var bob = Issue(_ca, "bob.mcollective", "bob");

        var result = Server().VerifySecureRequest(Message, Sign(bob, Message), Pem(bob), callerId);

        Assert.Equal(SecurityFailureReason.CallerIdInvalid, result.Reason);
    }
}
