using System.Collections;
using System.Net;
using System.Net.Sockets;
using Choria.Config.Build;
using Choria.Config.Settings;

namespace Choria.Config;

/// <summary>Reads configuration files (docs/configuration.md) into an immutable <see cref="ChoriaConfig"/>.</summary>
public static class ConfigLoader
{
    /// <summary>
    /// Loads <paramref name="path"/> and its <c>plugin.d/*.cfg</c> drop-ins. Throws <see cref="ConfigException"/>
    /// when the file cannot be read or a value is invalid.
    /// </summary>
    public static ConfigLoadResult Load(string path, ConfigLoadOptions? options = null)
    {
        options ??= new ConfigLoadOptions();
        var full = Path.GetFullPath(path);
        string text;
        try
        {
            text = File.ReadAllText(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"could not parse configuration: {e.Message}", e) { File = full };
        }

        var ctx = Context.Create(options);
        var values = NewValues(ctx);
        values.ParseText(text, full, "");
        ParsePluginD(values, full, ctx.Home);
        return Finish(values, ctx, full);
    }

    /// <summary>Parses configuration text without touching the file system (no plugin.d).</summary>
    public static ConfigLoadResult LoadText(string text, string fileName = "<text>", ConfigLoadOptions? options = null)
    {
        options ??= new ConfigLoadOptions();
        var ctx = Context.Create(options);
        var values = NewValues(ctx);
        values.ParseText(text, fileName, "");
        return Finish(values, ctx, null);
    }

    /// <summary>Built-in defaults, environment and normalisation only, as if an empty file had been read.</summary>
    /// <param name="configFile">Recorded as <see cref="ChoriaConfig.ConfigFile"/> though it does not exist: a provisioning
    /// server starts without its file and is told to write it there.</param>
    public static ChoriaConfig Defaults(ConfigLoadOptions? options = null, string? configFile = null)
    {
        options ??= new ConfigLoadOptions();
        var ctx = Context.Create(options);
        return Finish(NewValues(ctx), ctx, configFile is null ? null : Path.GetFullPath(configFile)).Config;
    }

    private static ConfigValues NewValues(Context ctx)
    {
        var values = new ConfigValues(ctx.Environment, ctx.Home);
        values.ApplyDefaults();
        return values;
    }

    private static void ParsePluginD(ConfigValues values, string mainFile, string? home)
    {
        var configDir = Path.GetDirectoryName(mainFile);
        if (configDir is null)
        {
            return;
        }

        // later go-choria: ~/.choriarc must not pull in ~/plugin.d.
        if (home is not null && PathsEqual(configDir, home))
        {
            return;
        }

        var pluginDir = Path.Combine(configDir, "plugin.d");
        string[] files;
        try
        {
            files = Directory.GetFiles(pluginDir, "*.cfg");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }

        Array.Sort(files, StringComparer.Ordinal);
        foreach (var file in files)
        {
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                values.Warnings.Add(new ConfigWarning(file, 0, "", $"{file}: could not read plugin configuration: {e.Message}"));
                continue;
            }

            values.ParseText(text, file, $"plugin.{Path.GetFileNameWithoutExtension(file)}.");
        }
    }

    private static bool PathsEqual(string a, string b) =>
        string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(b)),
            OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    private static ConfigLoadResult Finish(ConfigValues values, Context ctx, string? configFile)
    {
        ApplyFederationEnvironment(values);
        Normalise(values, ctx);
        var config = new ChoriaConfig(values, ctx.Build, ctx.Role, configFile, ctx.Home);
        return new ConfigLoadResult(config, [.. values.Warnings]);
    }

    private static void ApplyFederationEnvironment(ConfigValues values)
    {
        const string Key = "plugin.choria.federation.collectives";
        if (values.Env("CHORIA_FED_COLLECTIVE") is { } fed && fed.Trim().Length > 0)
        {
            values.Assign(SettingsTable.Find(Key)!, Key, fed, "environment variable CHORIA_FED_COLLECTIVE", 0, isDefault: true);
        }
    }

    private static void Normalise(ConfigValues values, Context ctx)
    {
        var collectives = values.Lists.GetValueOrDefault("collectives") ?? [];
        if (string.IsNullOrEmpty(values.Scalars.GetValueOrDefault("main_collective")) && collectives.Count > 0)
        {
            values.Scalars["main_collective"] = collectives[0];
        }

        if (string.IsNullOrEmpty(values.Scalars.GetValueOrDefault("registration_collective")))
        {
            values.Scalars["registration_collective"] = values.Scalars.GetValueOrDefault("main_collective") ?? "";
        }

        if (string.IsNullOrEmpty(values.Scalars.GetValueOrDefault("loglevel")))
        {
            values.Scalars["loglevel"] = "debug";
        }

        if (string.IsNullOrEmpty(values.Scalars.GetValueOrDefault("identity")))
        {
            values.Scalars["identity"] = ResolveIdentity(ctx)
                ?? throw new ConfigException("could not determine identity, please set identity in the configuration") { Key = "identity" };
        }
    }

    /// <summary>As go-choria: a dotted host name, else reverse DNS, else facter, else the short host name.</summary>
    internal static string? ResolveIdentity(Context ctx)
    {
        var hostname = ctx.Hostname() ?? "";
        if (hostname.Count(c => c == '.') >= 2)
        {
            return hostname;
        }

        if (hostname.Length > 0)
        {
            var fqdn = ctx.ResolveFqdn(hostname)?.TrimEnd('.');
            if (!string.IsNullOrEmpty(fqdn) && fqdn != "localhost")
            {
                return fqdn;
            }
        }

        var facter = ctx.FacterFqdn?.Invoke();
        if (!string.IsNullOrEmpty(facter))
        {
            return facter;
        }

        return hostname.Length > 0 ? hostname : null;
    }

    private static string? SystemReverseLookup(string hostname)
    {
        try
        {
            var ipv4 = Dns.GetHostAddresses(hostname).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
            return ipv4 is null ? null : Dns.GetHostEntry(ipv4).HostName;
        }
        catch (Exception e) when (e is SocketException or ArgumentException)
        {
            return null;
        }
    }

    internal sealed record Context(
        IReadOnlyDictionary<string, string?> Environment,
        Func<string?> Hostname,
        Func<string, string?> ResolveFqdn,
        Func<string?>? FacterFqdn,
        string? Home,
        ConfigRole Role,
        BuildSettings Build)
    {
        public static Context Create(ConfigLoadOptions o)
        {
            var env = o.Environment ?? ProcessEnvironment();
            return new Context(
                env,
                o.HostnameProvider is { } h ? () => h() : SafeHostName,
                o.FqdnResolver ?? SystemReverseLookup,
                o.FacterFqdn,
                o.HomeDirectory ?? HomeFrom(env),
                o.Role,
                o.Build ?? BuildSettings.Current);
        }

        private static string? SafeHostName()
        {
            try
            {
                return Dns.GetHostName();
            }
            catch (SocketException)
            {
                return null;
            }
        }

        private static string? HomeFrom(IReadOnlyDictionary<string, string?> env)
        {
            if (env.TryGetValue("HOME", out var home) && !string.IsNullOrEmpty(home))
            {
                return home;
            }

            if (OperatingSystem.IsWindows() && env.TryGetValue("HOMEDRIVE", out var drive) && env.TryGetValue("HOMEPATH", out var hpath)
                && !string.IsNullOrEmpty(drive) && !string.IsNullOrEmpty(hpath))
            {
                return drive + hpath;
            }

            var profile = System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
            return profile.Length > 0 ? profile : null;
        }

        private static Dictionary<string, string?> ProcessEnvironment()
        {
            var result = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (DictionaryEntry e in System.Environment.GetEnvironmentVariables())
            {
                result[(string)e.Key] = e.Value as string;
            }

            return result;
        }
    }
}
