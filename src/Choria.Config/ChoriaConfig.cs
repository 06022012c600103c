using System.Globalization;
using Choria.Config.Build;
using Choria.Config.Settings;

namespace Choria.Config;

/// <summary>
/// A loaded, validated, immutable configuration. Typed getters accept any key of <see cref="SettingsTable"/>
/// (including <c>&lt;name&gt;</c> patterns) and return the default when the key is unset; <see cref="Raw"/>
/// and <see cref="HasOption"/> reflect only what the files said.
/// </summary>
public sealed class ChoriaConfig
{
    private readonly ConfigValues _values;

    internal ChoriaConfig(ConfigValues values, BuildSettings build, ConfigRole role, string? configFile, string? home)
    {
        _values = values;
        Build = build;
        Role = role;
        ConfigFile = configFile;
        HomeDirectory = home;
        ParsedFiles = [.. values.ParsedFiles];
    }

    public BuildSettings Build { get; }

    public ConfigRole Role { get; }

    /// <summary>Full path of the main file, or <c>null</c> for text/default configurations.</summary>
    public string? ConfigFile { get; }

    public string? HomeDirectory { get; }

    /// <summary>Main file first, then plugin.d files in the order they were applied.</summary>
    public IReadOnlyList<string> ParsedFiles { get; }

    /// <summary>The last value a file gave <paramref name="key"/>, verbatim; <c>null</c> if no file set it.</summary>
    public string? Raw(string key) => _values.Raw.GetValueOrDefault(key);

    /// <summary>Whether a file set <paramref name="key"/> (defaults and environment do not count).</summary>
    public bool HasOption(string key) => _values.Raw.ContainsKey(key);

    /// <summary>Keys set by files that start with <paramref name="prefix"/>, sorted.</summary>
    public IEnumerable<string> KeysWithPrefix(string prefix) =>
        _values.Raw.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal);

    /// <summary>The effective value as text; lists are joined with commas.</summary>
    public string GetString(string key)
    {
        var def = Definition(key);
        return def.IsList ? string.Join(",", ListValue(def, key)) : ScalarValue(def, key);
    }

    public int GetInt(string key)
    {
        var def = Definition(key, SettingType.Int);
        var s = ScalarValue(def, key);
        return s.Length == 0 ? 0 : int.Parse(s, CultureInfo.InvariantCulture);
    }

    public bool GetBool(string key)
    {
        var def = Definition(key, SettingType.Bool);
        return ValueParser.TryParseBool(ScalarValue(def, key), out var b) && b;
    }

    /// <summary>Durations, and int settings interpreted as seconds.</summary>
    public TimeSpan GetDuration(string key)
    {
        var def = Definition(key, SettingType.Duration, SettingType.Int);
        var s = ScalarValue(def, key);
        if (s.Length == 0)
        {
            return TimeSpan.Zero;
        }

        return def.Type == SettingType.Int
            ? TimeSpan.FromSeconds(int.Parse(s, CultureInfo.InvariantCulture))
            : ValueParser.TryParseDuration(s, out var d) ? d : TimeSpan.Zero;
    }

    public IReadOnlyList<string> GetList(string key)
    {
        var def = Definition(key);
        if (!def.IsList)
        {
            throw new ArgumentException($"setting {key} is a {def.Type}, not a list", nameof(key));
        }

        return ListValue(def, key);
    }

    /// <summary>A copy with <paramref name="overrides"/> assigned as if read from a file named <paramref name="source"/>.</summary>
    public ChoriaConfig With(IReadOnlyDictionary<string, string> overrides, string source = "<override>")
    {
        var copy = _values.Clone();
        foreach (var (key, value) in overrides)
        {
            copy.Raw[key] = value;
            if (SettingsTable.Find(key) is { } def)
            {
                copy.Assign(def, key, value, source, 0, isDefault: false);
            }
        }

        return new ChoriaConfig(copy, Build, Role, ConfigFile, HomeDirectory);
    }

    /// <summary>The same settings judged against other build settings (provisioning turns security off this way).</summary>
    public ChoriaConfig WithBuild(BuildSettings build) => new(_values.Clone(), build, Role, ConfigFile, HomeDirectory);

    public string Identity => GetString("identity");

    public IReadOnlyList<string> Collectives => GetList("collectives");

    public string MainCollective => GetString("main_collective");

    public string RegistrationCollective => GetString("registration_collective");

    public int Ttl => GetInt("ttl");

    public string LogLevel => GetString("loglevel");

    public string LogFile => GetString("logfile");

    public IReadOnlyList<string> LibDirs => GetList("libdir");

    public string ClassesFile => GetString("classesfile");

    /// <summary><c>plugin.yaml</c> split on the OS path list separator; empty entries dropped.</summary>
    public IReadOnlyList<string> FactSourceFiles =>
        [.. GetString("plugin.yaml").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    public bool RpcAuthorization => GetBool("rpcauthorization");

    public string RpcAuthProvider => GetString("rpcauthprovider");

    public bool RpcAudit => GetBool("rpcaudit");

    public string RpcLimitMethod => GetString("rpclimitmethod");

    public int DiscoveryTimeout => GetInt("discovery_timeout");

    public string DefaultDiscoveryMethod => GetString("default_discovery_method");

    public IReadOnlyList<string> DefaultDiscoveryOptions => GetList("default_discovery_options");

    public IReadOnlyList<string> Registration => GetList("registration");

    public int RegisterInterval => GetInt("registerinterval");

    public bool RegistrationSplay => GetBool("registration_splay");

    public int SoftShutdownTimeout => GetInt("soft_shutdown_timeout");

    public bool Color => GetBool("color");

    public bool RequireClientFilter => GetBool("require_client_filter") || GetBool("plugin.choria.require_client_filter");

    public string SecurityProvider => GetString("plugin.security.provider");

    public IReadOnlyList<string> MiddlewareHosts => GetList("plugin.choria.middleware_hosts");

    public bool RandomizeMiddlewareHosts => GetBool("plugin.choria.randomize_middleware_hosts");

    public bool UseSrv => GetBool("plugin.choria.use_srv");

    public string SrvDomain => GetString("plugin.choria.srv_domain");

    public IReadOnlyList<string> FederationCollectives => GetList("plugin.choria.federation.collectives");

    public IReadOnlyList<string> FederationMiddlewareHosts => GetList("plugin.choria.federation_middleware_hosts");

    public string FederationCluster => GetString("plugin.choria.federation.cluster");

    public string NatsUser => GetString("plugin.nats.user");

    public string NatsPassword => GetString("plugin.nats.pass");

    public string NatsCredentials => GetString("plugin.nats.credentials");

    public string StatusFilePath => GetString("plugin.choria.status_file_path");

    public int StatusUpdateInterval => GetInt("plugin.choria.status_update_interval");

    public int StatsPort => GetInt("plugin.choria.stats_port");

    public string StatsAddress => GetString("plugin.choria.stats_address");

    public string MachineStore => GetString("plugin.choria.machine.store");

    /// <summary>Protocol security (signing) is off: <c>INSECURE_YES_REALLY=true</c> or an insecure build.</summary>
    public bool InsecureMode => Env("INSECURE_YES_REALLY") == "true" || !Build.SecureEnabled;

    /// <summary>TLS is off: insecure mode env, <c>INSECURE_DISABLE_TLS=true</c> (later) or a non-TLS build.</summary>
    public bool DisableTls => Env("INSECURE_YES_REALLY") == "true" || Env("INSECURE_DISABLE_TLS") == "true" || !Build.TlsEnabled;

    /// <summary><c>MCOLLECTIVE_CERTNAME</c>: forces the certificate name the security provider uses.</summary>
    public string? CertnameOverride => Env("MCOLLECTIVE_CERTNAME");

    /// <summary><c>USER</c>: non-root certnames become <c>&lt;USER&gt;.mcollective</c>.</summary>
    public string? EnvironmentUser => Env("USER");

    /// <summary>An environment variable from the environment this configuration was loaded with.</summary>
    public string? Env(string name) => _values.Env(name);

    private static SettingDefinition Definition(string key, params SettingType[] types)
    {
        var def = SettingsTable.Find(key) ?? throw new ArgumentException($"unknown setting {key}", nameof(key));
        if (types.Length > 0 && !types.Contains(def.Type))
        {
            throw new ArgumentException($"setting {key} is a {def.Type}, not a {string.Join(" or ", types)}", nameof(key));
        }

        return def;
    }

    private string ScalarValue(SettingDefinition def, string key)
    {
        if (_values.Scalars.TryGetValue(key, out var v))
        {
            return v;
        }

        return def.Default is not null && ValueParser.TryNormalise(def, def.Default, HomeDirectory, out var n, out _) ? n : "";
    }

    private IReadOnlyList<string> ListValue(SettingDefinition def, string key)
    {
        if (_values.Lists.TryGetValue(key, out var list))
        {
            return list.AsReadOnly();
        }

        return string.IsNullOrEmpty(def.Default) ? [] : ValueParser.SplitList(def.Type, def.Default);
    }
}
