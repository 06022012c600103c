using System.Globalization;
using System.Reflection;

namespace Choria.Config.Build;

/// <summary>
/// Settings baked into the binary at build time (docs/building.md). The provisioning values are mutable copies
/// because a provisioning JWT overrides them at start (<see cref="ProvisioningJwt"/>).
/// </summary>
public sealed record BuildSettings
{
    public static BuildSettings Current { get; } = FromConstants();

    public string Version { get; init; } = "0.0.0";
    public string Sha { get; init; } = "unknown";
    public string BuildDate { get; init; } = "unknown";
    public string License { get; init; } = "Apache-2.0";

    /// <summary>"true" unless the build turns TLS off; printed verbatim by buildinfo.</summary>
    public string Tls { get; init; } = "true";

    /// <summary>"true" unless the build turns protocol security (signing) off.</summary>
    public string Secure { get; init; } = "true";

    public int MaxBrokerClients { get; init; } = 50000;

    /// <summary><c>ProvisionModeDefault</c>: provisioning when no file sets <c>plugin.choria.server.provision</c>.</summary>
    public bool ProvisionDefault { get; set; }
    public string ProvisionBrokerUrls { get; set; } = "";
    public string ProvisionBrokerSrvDomain { get; set; } = "";
    public string ProvisionToken { get; set; } = "";
    public string ProvisionJwtFile { get; set; } = "";
    public string ProvisionRegistrationData { get; set; } = "";
    public string ProvisionFacts { get; set; } = "";
    public string ProvisionStatusFile { get; set; } = "";

    /// <summary><c>ProvisionSecure</c>: false provisions without TLS and without protocol signing.</summary>
    public bool ProvisionSecure { get; set; } = true;
    public string ProvisionAgent { get; set; } = "true";

    public bool TlsEnabled => Tls == "true";
    public bool SecureEnabled => Secure == "true";

    /// <summary>Whether this binary can provision at all: broker URLs or a JWT file compiled in (server.md 9.2).</summary>
    public bool SupportsProvisioning => ProvisionBrokerUrls.Length > 0 || ProvisionJwtFile.Length > 0;

    /// <summary>A copy, so a JWT applied for one purpose (a test, <c>tool provisioner</c>) does not leak into <see cref="Current"/>.</summary>
    public BuildSettings Copy() => this with { };

    private static BuildSettings FromConstants()
    {
        var version = BuildDefaults.Version;
        if (version.Length == 0)
        {
            version = typeof(BuildSettings).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
            var plus = version.IndexOf('+', StringComparison.Ordinal);
            if (plus >= 0)
            {
                version = version[..plus];
            }
        }

        return new BuildSettings
        {
            Version = version,
            Sha = NonEmpty(BuildDefaults.SHA) ?? "unknown",
            BuildDate = NonEmpty(BuildDefaults.BuildDate) ?? "unknown",
            Tls = NonEmpty(BuildDefaults.TLS) ?? "true",
            Secure = NonEmpty(BuildDefaults.Secure) ?? "true",
            // Go: a value that is not a number gives the stock limit.
            MaxBrokerClients = int.TryParse(BuildDefaults.MaxBrokerClients, NumberStyles.Integer, CultureInfo.InvariantCulture, out var max) ? max : 50000,
            ProvisionSecure = BuildDefaults.ProvisionSecure == "true",
            ProvisionBrokerUrls = BuildDefaults.ProvisionBrokerURLs,
            ProvisionBrokerSrvDomain = BuildDefaults.ProvisionBrokerSRVDomain,
            ProvisionDefault = BuildDefaults.ProvisionModeDefault == "true",
            ProvisionAgent = BuildDefaults.ProvisionAgent,
            ProvisionRegistrationData = BuildDefaults.ProvisionRegistrationData,
            ProvisionFacts = BuildDefaults.ProvisionFacts,
            ProvisionToken = BuildDefaults.ProvisionToken,
            ProvisionJwtFile = BuildDefaults.ProvisionJWTFile,
            ProvisionStatusFile = BuildDefaults.ProvisionStatusFile,
        };
    }

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
