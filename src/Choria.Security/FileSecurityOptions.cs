namespace Choria.Security;

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
