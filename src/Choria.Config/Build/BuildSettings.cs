using System.Reflection;

namespace Choria.Config.Build;

/// <summary>
/// Settings baked into the binary at build time. Values are mutable
/// copies because a provisioning JWT may override some of them at run time.
/// </summary>
public sealed class BuildSettings
{
    public static BuildSettings Current { get; } = FromAssembly(typeof(BuildSettings).Assembly);

    public string Version { get; init; } = "0.0.0";
    public string Sha { get; init; } = "unknown";
    public string BuildDate { get; init; } = "unknown";
    public string License { get; init; } = "Apache-2.0";

    /// <summary>"true" unless the build turns TLS off; printed verbatim by buildinfo.</summary>
    public string Tls { get; init; } = "true";

    /// <summary>"true" unless the build turns protocol security (signing) off.</summary>
    public string Secure { get; init; } = "true";

    public int MaxBrokerClients { get; init; } = 50000;
    public bool ProvisionDefault { get; set; }
    public string ProvisionBrokerUrls { get; set; } = "";
    public string ProvisionBrokerSrvDomain { get; set; } = "";
    public string ProvisionToken { get; set; } = "";
    public string ProvisionJwtFile { get; set; } = "";
    public string ProvisionRegistrationData { get; set; } = "";
    public string ProvisionFacts { get; set; } = "";
    public bool ProvisionSecure { get; set; } = true;
    public string ProvisionAgent { get; set; } = "true";

    public bool TlsEnabled => Tls == "true";
    public bool SecureEnabled => Secure == "true";

    private static BuildSettings FromAssembly(Assembly assembly)
    {
        string? Meta(string key) => assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == key)?.Value;

        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        if (plus >= 0)
        {
            version = version[..plus];
        }

        return new BuildSettings
        {
            Version = version,
            Sha = NonEmpty(Meta("ChoriaGitSha")) ?? "unknown",
            BuildDate = NonEmpty(Meta("ChoriaBuildDate")) ?? "unknown",
            Tls = NonEmpty(Meta("ChoriaTLS")) ?? "true",
            Secure = NonEmpty(Meta("ChoriaSecure")) ?? "true",
        };
    }

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
