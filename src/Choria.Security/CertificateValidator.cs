using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Choria.Security;

/// <summary>
/// <c>VerifyCertificate(pem, name)</c> (docs/security.md) on parsed certificates. Chain verdicts are
/// remembered per CA set for the window in which every chain element is valid.
/// </summary>
internal sealed class CertificateValidator
{
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";
    private const string AnyExtendedKeyUsageOid = "2.5.29.37.0";

    private readonly TimeProvider _time;

    public CertificateValidator(TimeProvider time) => _time = time;

    public CertificateVerification Verify(ParsedCertificate certificate, ParsedCertificate ca, string name)
    {
        var chain = VerifyChain(certificate, ca);
        return chain.Valid ? VerifyName(certificate, name) : chain;
    }

    public CertificateVerification VerifyChain(ParsedCertificate certificate, ParsedCertificate ca)
    {
        try
        {
            return VerifyChainCore(certificate, ca);
        }
        catch (CryptographicException e)
        {
            // Certificates that parse but carry corrupt content (chain building or an extension fails to decode,
            // found by the bad-input property tests) are untrusted, never a crash.
            return new CertificateVerification(SecurityFailureReason.ChainInvalid, $"x509: certificate could not be verified: {e.Message}");
        }
    }

    private CertificateVerification VerifyChainCore(ParsedCertificate certificate, ParsedCertificate ca)
    {
        var at = _time.GetUtcNow();
        if (certificate.ChainKnownValid(ca.Key, at))
        {
            return CertificateVerification.Ok;
        }

        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(ca.Certificates);
        policy.ExtraStore.AddRange(certificate.Certificates);
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.VerificationTime = at.UtcDateTime;
        policy.VerificationTimeIgnored = false;

        var built = chain.Build(certificate.Leaf);
        var flags = X509ChainStatusFlags.NoError;
        foreach (var status in chain.ChainStatus)
        {
            flags |= status.Status;
        }

        try
        {
            if (!built)
            {
                var failure = ChainFailure(chain, flags, ca);
                if (failure is not null)
                {
                    return failure;
                }
            }

            var elements = chain.ChainElements.Select(e => e.Certificate).ToList();
            foreach (var element in elements)
            {
                if (!PermitsClientAuth(element))
                {
                    return new CertificateVerification(SecurityFailureReason.ExtendedKeyUsageInvalid,
                        $"x509: certificate {element.Subject} does not permit client authentication");
                }
            }

            var from = elements.Max(e => new DateTimeOffset(e.NotBefore.ToUniversalTime()));
            var to = elements.Min(e => new DateTimeOffset(e.NotAfter.ToUniversalTime()));
            certificate.RememberValidChain(ca.Key, from, to);
            return CertificateVerification.Ok;
        }
        finally
        {
            foreach (var element in chain.ChainElements)
            {
                element.Certificate.Dispose();
            }
        }
    }

    public static CertificateVerification VerifyName(ParsedCertificate certificate, string name)
    {
        if (name.Length == 0)
        {
            return CertificateVerification.Ok;
        }

        if (name.StartsWith("email:", StringComparison.Ordinal))
        {
            var email = name["email:".Length..];
            // 2020 Go accepts a certificate without email SANs here; the spec asks us to reject it.
            return certificate.SanNames.Emails.Contains(email, StringComparer.Ordinal)
                ? CertificateVerification.Ok
                : new CertificateVerification(SecurityFailureReason.NameMismatch,
                    $"x509: certificate is not valid for email {email}");
        }

        // The same caller sends request after request; its certificate's names do not change.
        if (certificate.KnownValidFor(name))
        {
            return CertificateVerification.Ok;
        }

        if (!HostnameRules.Matches(certificate, name))
        {
            return new CertificateVerification(SecurityFailureReason.NameMismatch,
                $"x509: certificate is valid for {HostnameRules.Describe(certificate)}, not {name}");
        }

        certificate.RememberValidFor(name);
        return CertificateVerification.Ok;
    }

    // Go treats every CA-file certificate as an anchor; .NET reports PartialChain when that anchor
    // is an intermediate, so accept exactly that case.
    private static CertificateVerification? ChainFailure(X509Chain chain, X509ChainStatusFlags flags, ParsedCertificate ca)
    {
        if (flags == X509ChainStatusFlags.PartialChain && chain.ChainElements.Count > 0)
        {
            var last = chain.ChainElements[^1].Certificate.RawDataMemory;
            if (ca.Certificates.Any(c => c.RawDataMemory.Span.SequenceEqual(last.Span)))
            {
                return null;
            }
        }

        if ((flags & X509ChainStatusFlags.NotTimeValid) != 0)
        {
            return new CertificateVerification(SecurityFailureReason.CertificateNotTimeValid,
                "x509: certificate has expired or is not yet valid");
        }

        var detail = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0));
        return new CertificateVerification(SecurityFailureReason.ChainInvalid,
            "x509: certificate signed by unknown authority" + (detail.Length > 0 ? " (" + detail + ")" : ""));
    }

    // Certificates without an EKU extension are unrestricted (Go semantics).
    private static bool PermitsClientAuth(X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509EnhancedKeyUsageExtension eku)
            {
                foreach (var usage in eku.EnhancedKeyUsages)
                {
                    if (usage.Value is ClientAuthOid or AnyExtendedKeyUsageOid)
                    {
                        return true;
                    }
                }

                return false;
            }
        }

        return true;
    }
}
