namespace Choria.Security;

/// <summary>Settings shared by every x509 provider (docs/security.md).</summary>
public sealed record SecurityPolicyOptions
{
    /// <summary><c>plugin.choria.security.certname_whitelist</c>: regular expressions, <c>/re/</c> slashes are stripped.</summary>
    public IReadOnlyList<string> CertnameAllowList { get; init; } = [@"\.mcollective$", @"\.choria$"];

    /// <summary><c>plugin.choria.security.privileged_users</c>; the unescaped second dot is Choria's default, kept verbatim.</summary>
    public IReadOnlyList<string> PrivilegedUsers { get; init; } = [@"\.privileged.mcollective$", @"\.privileged.choria$"];

    /// <summary><c>plugin.security.always_overwrite_cache</c>.</summary>
    public bool AlwaysOverwriteCache { get; init; }

    /// <summary>Protocol security disabled (provisioning builds): every secure request is accepted unchecked.</summary>
    public bool Insecure { get; init; }

    /// <summary>Upper bound of parsed certificates kept in memory.</summary>
    public int ParsedCertificateCacheSize { get; init; } = 1024;

    /// <summary>
    /// How long a stat of the CA file or a cached client certificate is trusted before the file is looked at
    /// again; a replaced file takes effect within this interval. Zero stats on every use.
    /// </summary>
    public TimeSpan FileRecheckInterval { get; init; } = TimeSpan.FromSeconds(1);
}
