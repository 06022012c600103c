using Choria.Config;

namespace Choria.Server.Lifecycle;

/// <summary>Lifecycle settings (docs/server.md).</summary>
public sealed record LifecycleOptions
{
    public required string Identity { get; init; }

    /// <summary>Server version carried by startup and alive events.</summary>
    public required string Version { get; init; }

    /// <summary><c>server</c>, or <c>provision_mode_server</c> while provisioning.</summary>
    public string Component { get; init; } = "server";

    /// <summary><c>plugin.choria.legacy_lifecycle_format</c>: bare choria objects instead of CloudEvents.</summary>
    public bool LegacyFormat { get; init; }

    public TimeSpan AliveInterval { get; init; } = TimeSpan.FromMinutes(60);

    /// <summary>The first alive event waits a random whole number of minutes below this (2020: 0-59).</summary>
    public int AliveInitialDelayMinutes { get; init; } = 60;

    public static LifecycleOptions FromConfig(ChoriaConfig config, bool provisioningMode) => new()
    {
        Identity = config.Identity,
        Version = config.Build.Version,
        Component = provisioningMode ? "provision_mode_server" : "server",
        LegacyFormat = config.GetBool("plugin.choria.legacy_lifecycle_format"),
    };
}
