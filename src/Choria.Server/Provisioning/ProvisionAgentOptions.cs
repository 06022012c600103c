using Choria.Config;
using Choria.Config.Build;

namespace Choria.Server.Provisioning;

/// <summary>What the <c>choria_provision</c> agent needs from the server it runs in (docs/provisioning.md).</summary>
public sealed record ProvisionAgentOptions
{
    /// <summary>Whether this server started in provisioning mode; fixed for the life of the process.</summary>
    public bool ProvisioningMode { get; init; }

    /// <summary>The build (or JWT) token every action must carry; empty accepts any token.</summary>
    public string Token { get; init; } = "";

    /// <summary>The configuration file <c>configure</c> and <c>reprovision</c> rewrite; empty when unknown.</summary>
    public string ConfigFile { get; init; } = "";

    /// <summary><c>plugin.choria.ssldir</c>; empty means <c>&lt;config dir&gt;/ssl</c>.</summary>
    public string SslDir { get; init; } = "";

    /// <summary>Default common name of the CSR.</summary>
    public string Certname { get; init; } = "";

    /// <summary>The build's provisioning JWT file served by the <c>jwt</c> action.</summary>
    public string JwtFile { get; init; } = "";

    /// <summary>Build settings the re-read configuration is judged against by <c>restart</c>.</summary>
    public BuildSettings Build { get; init; } = BuildSettings.Current;

    /// <summary>What <c>reprovision</c> writes (<see cref="ProvisioningConfig.ReprovisionSettings"/>).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ReprovisionSettings { get; init; } = [];

    /// <summary>Fixed pause added to every restart splay, so the reply leaves before the server goes.</summary>
    public TimeSpan RestartPause { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Splay (seconds, exclusive upper bound) of the restart after <c>reprovision</c>.</summary>
    public int ReprovisionSplay { get; init; } = 10;

    public static ProvisionAgentOptions FromConfig(ChoriaConfig config, bool provisioningMode, string certname)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new ProvisionAgentOptions
        {
            ProvisioningMode = provisioningMode,
            Token = config.Build.ProvisionToken,
            ConfigFile = config.ConfigFile ?? "",
            SslDir = config.GetString("plugin.choria.ssldir"),
            Certname = certname,
            JwtFile = config.Build.ProvisionJwtFile,
            Build = config.Build,
            ReprovisionSettings = ProvisioningConfig.ReprovisionSettings(config),
        };
    }
}
