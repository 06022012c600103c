namespace Choria.Security;

/// <summary>Outcome of <c>VerifyCertificate(pem, name)</c> (docs/security.md).</summary>
public sealed record CertificateVerification(SecurityFailureReason Reason, string Message)
{
    public bool Valid => Reason == SecurityFailureReason.None;

    internal static readonly CertificateVerification Ok = new(SecurityFailureReason.None, "");
}
