namespace Choria.Config;

/// <summary>Where configuration files live (docs/configuration.md behaviour).</summary>
public static class ConfigPaths
{
    public const string DefaultServerConfig = "/etc/choria/server.conf";
    public const string DefaultBrokerConfig = "/etc/choria/broker.conf";
    public const string LegacyClientConfig = "/etc/puppetlabs/mcollective/client.cfg";

    /// <summary>
    /// The client configuration used when no <c>--config</c> is given: the first existing of
    /// <c>~/.choriarc</c>, <c>~/.choria</c>, <c>~/.mcollective</c>, <c>/etc/choria/client.conf</c>,
    /// <c>/etc/choria/client.cfg</c>; otherwise the legacy MCollective path, returned even if missing so the
    /// caller reports a clear open error.
    /// </summary>
    public static string? FindClientConfig(string? home, Func<string, bool>? fileExists = null)
    {
        fileExists ??= File.Exists;
        foreach (var candidate in ClientCandidates(home))
        {
            if (fileExists(candidate))
            {
                return candidate;
            }
        }

        return LegacyClientConfig;
    }

    /// <summary>The search order of <see cref="FindClientConfig"/>, excluding the final fallback.</summary>
    public static IReadOnlyList<string> ClientCandidates(string? home)
    {
        var list = new List<string>();
        if (!string.IsNullOrEmpty(home))
        {
            list.Add(Path.Join(home, ".choriarc"));
            list.Add(Path.Join(home, ".choria"));
            list.Add(Path.Join(home, ".mcollective"));
        }

        list.Add("/etc/choria/client.conf");
        list.Add("/etc/choria/client.cfg");
        return list;
    }
}
