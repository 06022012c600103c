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

/// <summary>Input of <see cref="FileSecurityProvider"/> (docs/security.md).</summary>
public sealed record FileSecurityOptions
{
    /// <summary><c>plugin.security.file.certificate</c>.</summary>
    public string Certificate { get; init; } = "";

    /// <summary><c>plugin.security.file.key</c>.</summary>
    public string Key { get; init; } = "";

    /// <summary><c>plugin.security.file.ca</c>.</summary>
    public string Ca { get; init; } = "";

    /// <summary><c>plugin.security.file.cache</c>.</summary>
    public string CacheDirectory { get; init; } = "";

    /// <summary>The configured <c>identity</c>, last resort of the certname rules (6.1).</summary>
    public string Identity { get; init; } = "";

    public SecurityPolicyOptions Policy { get; init; } = new();
}

/// <summary>Input of <see cref="PuppetSecurityProvider"/> (docs/security.md).</summary>
public sealed record PuppetSecurityOptions
{
    /// <summary><c>plugin.choria.ssldir</c>; null or empty means discovery.</summary>
    public string? SslDir { get; init; }

    /// <summary>An explicit certname (e.g. <c>choria enroll --certname</c>); wins over every other rule.</summary>
    public string? CertnameOverride { get; init; }

    /// <summary>The configured <c>identity</c>, last resort of the certname rules (6.1).</summary>
    public string Identity { get; init; } = "";

    public SecurityPolicyOptions Policy { get; init; } = new();
}
