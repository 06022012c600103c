namespace Choria.Security;

/// <summary>An x509 security provider (puppet or file): identity, signing and request verification.</summary>
public interface ISecurityProvider
{
    /// <summary>The certname (docs/security.md).</summary>
    string Identity { get; }

    /// <summary><c>choria=&lt;certname&gt;</c>.</summary>
    string CallerId { get; }

    /// <summary>Own public certificate PEM file (also the TLS client certificate).</summary>
    string CertificatePath { get; }

    /// <summary>Own RSA private key PEM file.</summary>
    string PrivateKeyPath { get; }

    /// <summary>CA bundle: trust anchors for messages and TLS.</summary>
    string CaPath { get; }

    /// <summary>Client certificate cache directory (docs/security.md).</summary>
    string CacheDirectory { get; }

    /// <summary>The text of the own certificate file, sent verbatim as <c>pubcert</c>.</summary>
    /// <exception cref="SecurityConfigurationException">The file cannot be read.</exception>
    string PublicCertPem { get; }

    /// <summary>Human readable problems with the certificate, key and CA files; empty when all exist.</summary>
    IReadOnlyList<string> ValidateFiles();

    /// <summary>RSA PKCS#1 v1.5 SHA-256 signature with the own key.</summary>
    /// <exception cref="SecurityConfigurationException">The key cannot be loaded.</exception>
    byte[] Sign(ReadOnlySpan<byte> data);

    /// <summary><see cref="Sign"/> as standard base64, the form carried in <c>signature</c>.</summary>
    string SignToBase64(ReadOnlySpan<byte> data);

    /// <summary>
    /// The own certificate with the private key <see cref="Sign"/> uses, then any further certificates of the
    /// certificate file (intermediates), for TLS client authentication. The files are read on every call so a renewed
    /// pair is picked up at the next connect; while they are unchanged the same collection is returned.
    /// </summary>
    /// <exception cref="SecurityConfigurationException">The certificate or the key cannot be loaded, or they do not match.</exception>
    System.Security.Cryptography.X509Certificates.X509Certificate2Collection ClientCertificates();

    /// <summary>Full validation of a received secure request (docs/security.md steps 1 and 3-6).</summary>
    /// <param name="message">The secure request's <c>message</c> string, exactly as received.</param>
    /// <param name="signature">The <c>signature</c> field.</param>
    /// <param name="pubcert">The <c>pubcert</c> field.</param>
    /// <param name="callerId">The <c>callerid</c> of the parsed inner request.</param>
    SecureRequestVerification VerifySecureRequest(string message, string signature, string pubcert, string callerId);

    /// <summary>As the text form, from the UTF-8 fields a server decodes (<c>SignedRequest</c>) without copying them.</summary>
    /// <param name="message">The <c>message</c> field's UTF-8, exactly as signed.</param>
    /// <param name="signature">The <c>signature</c> field's base64 text as UTF-8.</param>
    /// <param name="pubcert">The <c>pubcert</c> field's UTF-8.</param>
    /// <param name="callerId">The <c>callerid</c> of the parsed inner request.</param>
    SecureRequestVerification VerifySecureRequest(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature, ReadOnlySpan<byte> pubcert, string callerId);

    /// <summary><c>VerifyCertificate(pem, name)</c> against the CA file (docs/security.md).</summary>
    CertificateVerification VerifyCertificate(string pem, string name);

    /// <summary>The cache decision without writing anything (docs/security.md).</summary>
    CacheDecision ShouldCacheClientCert(string pem, string callerCertname);

    /// <summary>Decision plus disk cache write (docs/security.md).</summary>
    CacheDecision CacheClientCert(string pem, string callerCertname);

    /// <summary>Signature check against the cached caller certificate, then privileged ones (docs/security.md).</summary>
    bool VerifySignature(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, string callerCertname);

    /// <summary>Cached certificate names matching a privileged pattern, ordinal order.</summary>
    IReadOnlyList<string> PrivilegedCertificateNames();

    /// <summary>Creates the cache directory (0755) when missing.</summary>
    void EnsureCacheDirectory();
}
