namespace Choria.Security;

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
