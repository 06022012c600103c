namespace Choria.Security;

/// <summary>Outcome of a full secure request validation (docs/security.md).</summary>
public sealed record SecureRequestVerification(SecurityFailureReason Reason, string Message, bool Privileged, string? Certname)
{
    public bool Valid => Reason == SecurityFailureReason.None;

    internal static SecureRequestVerification Fail(SecurityFailureReason reason, string message, string? certname = null) =>
        new(reason, message, false, certname);
}
