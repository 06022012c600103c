using Choria.Config.Build;

namespace Choria.Config;

/// <summary>Inputs to <see cref="ConfigLoader"/>; every external dependency is injectable for tests.</summary>
public sealed record ConfigLoadOptions
{
    /// <summary>Environment variables; <c>null</c> reads the process environment.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>Returns the host name; <c>null</c> uses <see cref="System.Net.Dns.GetHostName"/>.</summary>
    public Func<string>? HostnameProvider { get; init; }

    /// <summary>Reverse DNS of the host name's first IPv4 address; <c>null</c> uses the system resolver.</summary>
    public Func<string, string?>? FqdnResolver { get; init; }

    /// <summary>Facter's <c>networking.fqdn</c>; <c>null</c> means facter is not consulted.</summary>
    public Func<string?>? FacterFqdn { get; init; }

    /// <summary>Home directory; <c>null</c> derives it from HOME (Windows HOMEDRIVE+HOMEPATH) or the OS.</summary>
    public string? HomeDirectory { get; init; }

    public ConfigRole Role { get; init; } = ConfigRole.Client;

    /// <summary>Build-time settings; <c>null</c> uses <see cref="BuildSettings.Current"/>.</summary>
    public BuildSettings? Build { get; init; }
}
