namespace Choria.Security.Dev;

/// <summary>Paths written by <see cref="DevCertificateAuthority.IssueCertificate"/>.</summary>
public sealed record IssuedCertificate(string Certname, string CertificatePath, string PrivateKeyPath, string CaPath);
