namespace Choria.Security.Enrollment;

/// <summary>The CA endpoint settings (docs/security.md, <c>plugin.choria.puppetca_*</c>, <c>use_srv</c>).</summary>
public sealed record PuppetCaLocationOptions
{
    /// <summary><c>plugin.choria.puppetca_host</c> when the config file sets it.</summary>
    public string? Host { get; init; }

    /// <summary><c>plugin.choria.puppetca_port</c> when the config file sets it.</summary>
    public int? Port { get; init; }

    public bool UseSrv { get; init; } = true;

    /// <summary>The SRV domain; SRV is skipped when empty.</summary>
    public string? SrvDomain { get; init; }
}
