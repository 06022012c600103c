using System.Security.Cryptography;
using System.Text;

namespace Choria.Security.Tests;

public sealed class CacheAndRequestTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Cache => _dir.Combine("cache");

    [Fact]
    public void Untrusted_certificate_is_not_written()
    {
        var provider = Providers.Rip(Cache);
        var decision = provider.CacheClientCert(File.ReadAllText(TestPaths.Protocol("ssl/foreign.pem")), "rip.mcollective");
        Assert.False(decision.Accept);
        Assert.False(File.Exists(Path.Combine(Cache, "rip.mcollective.pem")));
    }

    [Fact]
    public void Trusted_certificate_is_written_verbatim_with_modes()
    {
        var provider = Providers.Rip(Cache);
        var pem = File.ReadAllText(TestPaths.Good("certs/rip.mcollective.pem"));
        Assert.True(provider.CacheClientCert(pem, "rip.mcollective").Accept);
        var path = Path.Combine(Cache, "rip.mcollective.pem");
        Assert.Equal(pem, File.ReadAllText(path));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFiles.Mode0644, File.GetUnixFileMode(path));
            Assert.Equal(UnixFiles.Mode0755, File.GetUnixFileMode(Cache));
        }
    }

    [Theory]
    [InlineData(false, "first")]
    [InlineData(true, "second")]
    public void Always_overwrite_cache_controls_replacement(bool overwrite, string expected)
    {
        var first = File.ReadAllText(TestPaths.Protocol("ssl/intermediate/certs/rip.mcollective.pem"));
        var second = File.ReadAllText(TestPaths.Protocol("ssl/intermediate/certs/second.rip.mcollective.pem"));
        var provider = Providers.Rip(Cache, Providers.TestPolicy with { AlwaysOverwriteCache = overwrite },
            ca: TestPaths.Protocol("ssl/intermediate/certs/ca.pem"));
        Assert.True(provider.CacheClientCert(first, "rip.mcollective").Accept);
        Assert.True(provider.CacheClientCert(second, "rip.mcollective").Accept);
        Assert.Equal(expected == "first" ? first : second, File.ReadAllText(Path.Combine(Cache, "rip.mcollective.pem")));
    }

    [Fact]
    public void Accepted_certificate_is_rejected_after_allow_list_change()
    {
        var pem = File.ReadAllText(TestPaths.Good("certs/rip.mcollective.pem"));
        Assert.True(Providers.Rip(Cache).CacheClientCert(pem, "rip.mcollective").Accept);
        var changed = Providers.Rip(Cache, Providers.TestPolicy with { CertnameAllowList = ["^bees$"] });
        var decision = changed.CacheClientCert(pem, "rip.mcollective");
        Assert.False(decision.Accept);
        Assert.Equal(SecurityFailureReason.NotAllowed, decision.Reason);
    }

    [Fact]
    public void Secure_request_is_valid_with_fresh_cache()
    {
        var request = SecureRequestFields.FromMessageFile("v1_secure_request.json");
        var result = Providers.Rip(Cache).VerifySecureRequest(request.Message, request.Signature, request.Pubcert, request.CallerId);
        Assert.True(result.Valid, result.Message);
        Assert.False(result.Privileged);
        Assert.Equal("rip.mcollective", result.Certname);
    }

    [Fact]
    public void Tampered_request_fails_signature()
    {
        var request = SecureRequestFields.FromMessageFile("v1_secure_request_tampered.json");
        var result = Providers.Rip(Cache).VerifySecureRequest(request.Message, request.Signature, request.Pubcert, request.CallerId);
        Assert.Equal(SecurityFailureReason.SignatureInvalid, result.Reason);
    }

    [Fact]
    public void Privileged_request_is_valid_for_any_callerid()
    {
        var request = SecureRequestFields.FromMessageFile("v1_secure_request_privileged.json");
        Assert.Equal("choria=bob.mcollective", request.CallerId);
        var result = Providers.Rip(Cache).VerifySecureRequest(request.Message, request.Signature, request.Pubcert, request.CallerId);
        Assert.True(result.Valid, result.Message);
        Assert.True(result.Privileged);
        Assert.True(File.Exists(Path.Combine(Cache, "1.privileged.mcollective.pem")));
        Assert.False(File.Exists(Path.Combine(Cache, "bob.mcollective.pem")));
    }

    [Fact]
    public void A_certificate_accepted_for_its_name_is_still_refused_for_another()
    {
        // The provider remembers the name a certificate was last accepted for (X509SecurityProvider.Decide); the
        // same certificate with any other name, or the same name in another case, is decided again and refused.
        var provider = Providers.Rip(Cache);
        var pem = File.ReadAllText(TestPaths.Good("certs/rip.mcollective.pem"));
        Assert.True(provider.ShouldCacheClientCert(pem, "rip.mcollective").Accept);
        Assert.True(provider.ShouldCacheClientCert(pem, "rip.mcollective").Accept);

        Assert.Equal(SecurityFailureReason.NameMismatch, provider.ShouldCacheClientCert(pem, "bob.mcollective").Reason);
        Assert.Equal(SecurityFailureReason.NameMismatch, provider.ShouldCacheClientCert(pem, "RIP.mcollective").Reason);
        Assert.True(provider.ShouldCacheClientCert(pem, "rip.mcollective").Accept);
        Assert.Equal(SecurityFailureReason.NameMismatch, provider.ShouldCacheClientCert(pem, "bob.mcollective").Reason);
    }

    [Fact]
    public void Impersonation_fails_with_name_mismatch()
    {
        var request = SecureRequestFields.FromMessageFile("v1_secure_request_impersonation.json");
        var result = Providers.Rip(Cache).VerifySecureRequest(request.Message, request.Signature, request.Pubcert, request.CallerId);
        Assert.Equal(SecurityFailureReason.NameMismatch, result.Reason);
        Assert.False(File.Exists(Path.Combine(Cache, "2.mcollective.pem")));
    }

    [Fact]
    public void Insecure_request_is_rejected_unless_insecure_mode()
    {
        var request = SecureRequestFields.FromMessageFile("v1_secure_request_insecure.json");
        var strict = Providers.Rip(Cache).VerifySecureRequest(request.Message, request.Signature, request.Pubcert, request.CallerId);
        Assert.Equal(SecurityFailureReason.CertificateNotPem, strict.Reason);
        Assert.False(File.Exists(Path.Combine(Cache, "rip.mcollective.pem")));

        var insecure = Providers.Rip(Cache, Providers.TestPolicy with { Insecure = true })
            .VerifySecureRequest(request.Message, request.Signature, request.Pubcert, request.CallerId);
        Assert.True(insecure.Valid);
    }

    [Fact]
    public void Invalid_callerid_is_rejected()
    {
        var request = SecureRequestFields.FromMessageFile("v1_secure_request.json");
        var result = Providers.Rip(Cache).VerifySecureRequest(request.Message, request.Signature, request.Pubcert, "rip.mcollective");
        Assert.Equal(SecurityFailureReason.CallerIdInvalid, result.Reason);
    }

    [Fact]
    public void Non_base64_signature_is_typed()
    {
        var request = SecureRequestFields.FromMessageFile("v1_secure_request.json");
        var result = Providers.Rip(Cache).VerifySecureRequest(request.Message, "not*base64", request.Pubcert, request.CallerId);
        Assert.Equal(SecurityFailureReason.SignatureNotBase64, result.Reason);
    }

    [Fact]
    public void Signature_base64_with_line_breaks_is_read_as_before()
    {
        // Convert.FromBase64String skips white space; the span decoder a server now tries first does not.
        var request = SecureRequestFields.FromMessageFile("v1_secure_request.json");
        var wrapped = string.Join("\n", request.Signature.Chunk(60).Select(c => new string(c)));
        Assert.Contains('\n', wrapped);
        var result = Providers.Rip(Cache).VerifySecureRequest(request.Message, wrapped, request.Pubcert, request.CallerId);
        Assert.Equal(SecurityFailureReason.None, result.Reason);
    }

    [Fact]
    public void Text_and_utf8_forms_decide_alike()
    {
        var request = SecureRequestFields.FromMessageFile("v1_secure_request.json");
        var provider = Providers.Rip(Cache);
        foreach (var (message, signature) in new[] { (request.Message, request.Signature), (request.Message + " ", request.Signature), (request.Message, "not*base64") })
        {
            var text = provider.VerifySecureRequest(message, signature, request.Pubcert, request.CallerId);
            var utf8 = provider.VerifySecureRequest(Encoding.UTF8.GetBytes(message), Encoding.UTF8.GetBytes(signature), Encoding.UTF8.GetBytes(request.Pubcert), request.CallerId);
            Assert.Equal(text, utf8);
        }
    }

    private static string SignWith(string keyName, string message)
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(TestPaths.Good($"private_keys/{keyName}.pem")));
        return Convert.ToBase64String(rsa.SignData(Encoding.UTF8.GetBytes(message), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void Replaced_cache_file_is_seen_once_the_recheck_interval_passed()
    {
        Directory.CreateDirectory(Cache);
        var cached = Path.Combine(Cache, "rip.mcollective.pem");
        File.Copy(TestPaths.Good("certs/rip.mcollective.pem"), cached);
        var time = FixedTime.Fixture;
        var provider = Providers.Rip(Cache, time: time);
        const string message = "{\"protocol\":\"choria:request:1\",\"message\":\"ping\"}";
        var data = Encoding.UTF8.GetBytes(message);
        var byRip = Convert.FromBase64String(SignWith("rip.mcollective", message));
        var byTwo = Convert.FromBase64String(SignWith("2.mcollective", message));
        Assert.True(provider.VerifySignature(data, byRip, "rip.mcollective"));

        File.Copy(TestPaths.Good("certs/2.mcollective.pem"), cached, overwrite: true);
        File.SetLastWriteTimeUtc(cached, DateTime.UtcNow.AddMinutes(1));

        // Within the interval the file is not looked at again: the certificate read before still answers.
        Assert.True(provider.VerifySignature(data, byRip, "rip.mcollective"));
        Assert.False(provider.VerifySignature(data, byTwo, "rip.mcollective"));

        // After it, the new file is read; being another name's certificate it verifies nothing for rip
        // (AttackTests.Cached_certificate_swapped_on_disk_does_not_verify_requests).
        time.AdvanceMonotonic(Providers.TestPolicy.FileRecheckInterval + TimeSpan.FromMilliseconds(1));
        Assert.False(provider.VerifySignature(data, byRip, "rip.mcollective"));
        Assert.False(provider.VerifySignature(data, byTwo, "rip.mcollective"));
    }

    [Fact]
    public void Without_a_recheck_interval_a_replaced_cache_file_is_seen_at_once()
    {
        Directory.CreateDirectory(Cache);
        var cached = Path.Combine(Cache, "rip.mcollective.pem");
        File.Copy(TestPaths.Good("certs/rip.mcollective.pem"), cached);
        var provider = Providers.Rip(Cache, Providers.TestPolicy with { FileRecheckInterval = TimeSpan.Zero });
        const string message = "{\"protocol\":\"choria:request:1\",\"message\":\"ping\"}";
        var data = Encoding.UTF8.GetBytes(message);
        Assert.True(provider.VerifySignature(data, Convert.FromBase64String(SignWith("rip.mcollective", message)), "rip.mcollective"));

        File.Copy(TestPaths.Good("certs/2.mcollective.pem"), cached, overwrite: true);
        File.SetLastWriteTimeUtc(cached, DateTime.UtcNow.AddMinutes(1));

        // Seen at once: rip's own signature no longer verifies against the replaced file.
        Assert.False(provider.VerifySignature(data, Convert.FromBase64String(SignWith("rip.mcollective", message)), "rip.mcollective"));
    }

    [Fact]
    public void A_deleted_cache_file_is_written_again_on_first_use_after_the_interval()
    {
        var time = FixedTime.Fixture;
        var provider = Providers.Rip(Cache, time: time);
        var pubcert = File.ReadAllText(TestPaths.Good("certs/2.mcollective.pem"));
        const string message = "{\"protocol\":\"choria:request:1\",\"message\":\"ping\"}";
        var signature = SignWith("2.mcollective", message);
        Assert.True(provider.VerifySecureRequest(message, signature, pubcert, "choria=2.mcollective").Valid);

        var cached = Path.Combine(Cache, "2.mcollective.pem");
        File.Delete(cached);
        time.AdvanceMonotonic(Providers.TestPolicy.FileRecheckInterval + TimeSpan.FromMilliseconds(1));

        var again = provider.VerifySecureRequest(message, signature, pubcert, "choria=2.mcollective");
        Assert.True(again.Valid, again.Message);
        Assert.Equal(pubcert, File.ReadAllText(cached));
    }

    [Fact]
    public void Privileged_cached_certificate_is_a_fallback_verifier()
    {
        Directory.CreateDirectory(Cache);
        File.Copy(TestPaths.Good("certs/1.privileged.mcollective.pem"), Path.Combine(Cache, "1.privileged.mcollective.pem"));
        var provider = Providers.Rip(Cache);
        var pubcert = File.ReadAllText(TestPaths.Good("certs/2.mcollective.pem"));
        const string message = "{\"protocol\":\"choria:request:1\",\"message\":\"ping\"}";

        var privileged = provider.VerifySecureRequest(message, SignWith("1.privileged.mcollective", message), pubcert, "choria=2.mcollective");
        Assert.True(privileged.Valid, privileged.Message);

        var rip = provider.VerifySecureRequest(message, SignWith("rip.mcollective", message), pubcert, "choria=2.mcollective");
        Assert.Equal(SecurityFailureReason.SignatureInvalid, rip.Reason);

        var own = provider.VerifySecureRequest(message, SignWith("2.mcollective", message), pubcert, "choria=2.mcollective");
        Assert.True(own.Valid, own.Message);
    }

    [Fact]
    public void Hot_path_does_not_reparse_known_certificates()
    {
        var provider = Providers.Rip(Cache);
        var request = SecureRequestFields.FromMessageFile("v1_secure_request.json");
        Assert.True(provider.VerifySecureRequest(request.Message, request.Signature, request.Pubcert, request.CallerId).Valid);
        var parsed = provider.ParsedCertificateCount;
        for (var i = 0; i < 20; i++)
        {
            Assert.True(provider.VerifySecureRequest(request.Message, request.Signature, request.Pubcert, request.CallerId).Valid);
        }

        Assert.Equal(parsed, provider.ParsedCertificateCount);
    }

    [Fact]
    public void Parsed_certificate_cache_is_bounded_and_thread_safe()
    {
        var provider = Providers.Rip(Cache, Providers.TestPolicy with { ParsedCertificateCacheSize = 8 });
        var pem = File.ReadAllText(TestPaths.Good("certs/rip.mcollective.pem"));
        // Distinct PEM texts (trailing whitespace differs) parse to separate entries.
        Parallel.For(0, 64, i => Assert.True(provider.VerifyCertificate(pem + new string('\n', i), "rip.mcollective").Valid));
        Assert.InRange(provider.ParsedCertificateCount, 1, 8);
    }

    [Fact]
    public void Concurrent_requests_verify_consistently()
    {
        var provider = Providers.Rip(Cache, Providers.TestPolicy with { AlwaysOverwriteCache = true });
        var request = SecureRequestFields.FromMessageFile("v1_secure_request.json");
        var tampered = SecureRequestFields.FromMessageFile("v1_secure_request_tampered.json");
        Parallel.For(0, 200, i =>
        {
            var r = i % 2 == 0 ? request : tampered;
            var result = provider.VerifySecureRequest(r.Message, r.Signature, r.Pubcert, r.CallerId);
            Assert.Equal(i % 2 == 0, result.Valid);
        });
    }

    [Fact]
    public void Privileged_pattern_matching_the_cn_accepts_any_caller_under_the_cn()
    {
        var provider = Providers.Rip(Cache, Providers.TestPolicy with { PrivilegedUsers = ["mcollective"] });
        var decision = provider.ShouldCacheClientCert(File.ReadAllText(TestPaths.Good("certs/rip.mcollective.pem")), "x");
        Assert.True(decision.Accept);
        Assert.Equal("rip.mcollective", decision.Name);
    }
}
