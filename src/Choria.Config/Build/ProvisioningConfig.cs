
namespace Choria.Config.Build;

/// <summary>Provisioning mode (docs/provisioning.md): when a server is in it and what it changes in its configuration.</summary>
public static class ProvisioningConfig
{
    /// <summary>The collective a provisioning server lives in.</summary>
    public const string Collective = "provisioning";

    /// <summary>Subject of the registration data a provisioning server publishes.</summary>
    public const string RegistrationSubject = "choria.provisioning_data";

    public const string Setting = "plugin.choria.server.provision";

    /// <summary>
    /// A server whose binary supports provisioning (broker URLs or a JWT file) is in provisioning mode when its
    /// files say <c>plugin.choria.server.provision = true</c>, or say nothing and the build default is on.
    /// </summary>
    public static bool IsEnabled(ChoriaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Role != ConfigRole.Server || !config.Build.SupportsProvisioning)
        {
            return false;
        }

        return config.HasOption(Setting) ? config.GetBool(Setting) : config.Build.ProvisionDefault;
    }

    /// <summary>
    /// The configuration a provisioning server runs with: only the <c>provisioning</c> collective, no federation, no
    /// normal registration, the build's facts, status file and registration data, and without TLS and signing when the
    /// build (or JWT) says provisioning is insecure.
    /// </summary>
    public static ChoriaConfig Configure(ChoriaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var build = config.Build;
        var overrides = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["plugin.choria.federation.collectives"] = "",
            ["collectives"] = Collective,
            ["main_collective"] = Collective,
            ["registration_collective"] = Collective,
            ["registration"] = "",
            ["plugin.yaml"] = build.ProvisionFacts,
        };

        if (build.ProvisionStatusFile.Length > 0)
        {
            overrides["plugin.choria.status_file_path"] = build.ProvisionStatusFile;
            overrides["plugin.choria.status_update_interval"] = "10";
        }

        if (build.ProvisionRegistrationData.Length > 0)
        {
            overrides["registration"] = "file_content";
            overrides["registerinterval"] = "120";
            overrides["registration_splay"] = "false";
            overrides["plugin.choria.registration.file_content.target"] = RegistrationSubject;
            overrides["plugin.choria.registration.file_content.data"] = build.ProvisionRegistrationData;
        }

        if (!build.ProvisionSecure)
        {
            overrides["plugin.security.provider"] = "file";
        }

        var provisioning = config.With(overrides, "<provisioning>");
        return build.ProvisionSecure ? provisioning : provisioning.WithBuild(build with { Tls = "false", Secure = "false" });
    }

    /// <summary>The provisioning brokers as given (<c>host:port</c> entries), for the default resolver.</summary>
    public static IReadOnlyList<string> ConfiguredUrls(BuildSettings build) =>
        [.. build.ProvisionBrokerUrls.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>The settings a <c>reprovision</c> request writes to send a server back into provisioning mode.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ReprovisionSettings(ChoriaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var settings = new List<KeyValuePair<string, string>>
        {
            new(Setting, "1"),
            new("loglevel", "debug"),
        };

        if (config.LogFile.Length > 0)
        {
            settings.Add(new("logfile", config.LogFile));
        }

        // Keep announcing itself to the provisioner when the build has no data file of its own but this node had one.
        var data = config.GetString("plugin.choria.registration.file_content.data");
        if (config.Build.ProvisionRegistrationData.Length == 0 && config.Registration.Contains("file_content") && data.Length > 0)
        {
            settings.Add(new("registration", "file_content"));
            settings.Add(new("plugin.choria.registration.file_content.data", data));
        }

        return settings;
    }
}
