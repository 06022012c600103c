using CsCheck;

namespace Choria.Security.Tests;

public sealed class BadInputTests : IDisposable
{
    private static readonly string s_ripPem = File.ReadAllText(TestPaths.Good("certs/rip.mcollective.pem"));
    private static readonly SecureRequestFields s_request = SecureRequestFields.FromMessageFile("v1_secure_request.json");
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly Gen<string> s_garbage = Gen.OneOf(
        Gen.String,
        Gen.Byte.Array[0, 400].Select(b => System.Text.Encoding.Latin1.GetString(b)),
        Gen.Int[0, s_ripPem.Length].Select(n => s_ripPem[..n]),
        Gen.Int[0, s_ripPem.Length - 1].Select(Gen.Char, (n, c) => s_ripPem[..n] + c + s_ripPem[(n + 1)..]),
        Gen.String.Select(s => "-----BEGIN CERTIFICATE-----\n" + s + "\n-----END CERTIFICATE-----\n"));

    [Fact]
    public void Random_pubcert_yields_typed_failure()
    {
        var provider = Providers.Rip(_dir.Path);
        s_garbage.Sample(pem =>
        {
            var result = provider.VerifySecureRequest(s_request.Message, s_request.Signature, pem, s_request.CallerId);
            // A mutation may leave the certificate itself intact (e.g. a changed newline): then it is rightly valid.
            return IsRipCertificate(pem) || (!result.Valid && result.Reason != SecurityFailureReason.None && result.Message.Length > 0);
        }, iter: 300);
        var cached = Path.Combine(_dir.Path, "rip.mcollective.pem");
        Assert.False(File.Exists(cached) && !IsRipCertificate(File.ReadAllText(cached)));
    }

    [Fact]
    public void Random_signature_yields_typed_failure()
    {
        var provider = Providers.Rip(_dir.Path);
        Gen.OneOf(Gen.String, Gen.Byte.Array[0, 600].Select(Convert.ToBase64String)).Sample(signature =>
        {
            var result = provider.VerifySecureRequest(s_request.Message, signature, s_request.Pubcert, s_request.CallerId);
            return result.Reason is SecurityFailureReason.SignatureNotBase64 or SecurityFailureReason.SignatureInvalid;
        }, iter: 300);
    }

    [Fact]
    public void Random_callerid_never_throws()
    {
        var provider = Providers.Rip(_dir.Path);
        Gen.OneOf(Gen.String, Gen.String.Select(s => "choria=" + s)).Sample(callerId =>
        {
            var result = provider.VerifySecureRequest(s_request.Message, s_request.Signature, s_request.Pubcert, callerId);
            return result.Valid == (CallerId.TryParseCertname(callerId, out var name) && name == "rip.mcollective") || !result.Valid;
        }, iter: 300);
    }

    [Fact]
    public void Random_pem_as_certificate_or_ca_never_throws()
    {
        s_garbage.Sample(pem =>
        {
            var caPath = Path.Combine(_dir.Path, "ca-" + Guid.NewGuid().ToString("N") + ".pem");
            File.WriteAllText(caPath, pem);
            var provider = Providers.Rip(Path.Combine(_dir.Path, "cache"), ca: caPath);
            var verification = provider.VerifyCertificate(s_ripPem, "rip.mcollective");
            var decision = provider.ShouldCacheClientCert(pem, "rip.mcollective");
            // A mutation can leave the certificate intact (e.g. a replaced newline), so only
            // typed, self-consistent results are required here.
            return verification.Valid == (verification.Reason == SecurityFailureReason.None)
                && decision.Accept == (decision.Reason == SecurityFailureReason.None)
                && (verification.Valid || verification.Message.Length > 0);
        }, iter: 100);
    }

    [Fact]
    public void Missing_ca_is_typed()
    {
        var provider = Providers.Rip(_dir.Path, ca: _dir.Combine("missing.pem"));
        Assert.Equal(SecurityFailureReason.CaUnavailable, provider.VerifyCertificate(s_ripPem, "rip.mcollective").Reason);
    }

    private static bool IsRipCertificate(string pem)
    {
        try
        {
            using var candidate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(pem);
            using var rip = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(s_ripPem);
            return candidate.RawData.AsSpan().SequenceEqual(rip.RawData);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }
}
