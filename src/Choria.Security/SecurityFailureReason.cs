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
