namespace Choria.Security;

/// <summary>Why a security check failed; <see cref="None"/> on success.</summary>
public enum SecurityFailureReason
{
    None,
    CallerIdInvalid,
    CertificateNotPem,
    CertificateUnparsable,
    CaUnavailable,
    ChainInvalid,
    CertificateNotTimeValid,
    ExtendedKeyUsageInvalid,
    NameMismatch,
    NotAllowed,
    CacheNameInvalid,
    CacheWriteFailed,
    SignatureNotBase64,
    SignatureInvalid,
}

/// <summary>Outcome of <c>VerifyCertificate(pem, name)</c> (docs/security.md).</summary>
public sealed record CertificateVerification(SecurityFailureReason Reason, string Message)
{
    public bool Valid => Reason == SecurityFailureReason.None;

    internal static readonly CertificateVerification Ok = new(SecurityFailureReason.None, "");
}

/// <summary>Outcome of <c>shouldCacheClientCert</c> (docs/security.md): accept, privileged and the cache name.</summary>
public sealed record CacheDecision(bool Accept, bool Privileged, string Name, SecurityFailureReason Reason, string Message);

/// <summary>Outcome of a full secure request validation (docs/security.md).</summary>
public sealed record SecureRequestVerification(SecurityFailureReason Reason, string Message, bool Privileged, string? Certname)
{
    public bool Valid => Reason == SecurityFailureReason.None;

    internal static SecureRequestVerification Fail(SecurityFailureReason reason, string message, string? certname = null) =>
        new(reason, message, false, certname);
}

/// <summary>Thrown for configuration problems (missing key file), never for bad input from the network.</summary>
public sealed class SecurityConfigurationException : Exception
{
    public SecurityConfigurationException(string message) : base(message) { }

    public SecurityConfigurationException(string message, Exception inner) : base(message, inner) { }

    public SecurityConfigurationException() { }
}
