namespace Choria.Connector;

/// <summary>
/// TLS material from PEM files. The key may be PKCS#1 (<c>RSA PRIVATE KEY</c>), PKCS#8 or EC.
/// <see cref="Verify"/> false accepts any broker certificate (the client certificate is still sent).
/// </summary>
public sealed record ConnectorTlsOptions(string CertFile, string KeyFile, string CaFile, bool Verify = true);
