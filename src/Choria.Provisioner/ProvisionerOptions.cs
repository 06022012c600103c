using System.Globalization;
using Choria.Config.Settings;
using YamlDotNet.RepresentationModel;

namespace Choria.Provisioner;

/// <summary>The provisioner's own settings, read from <c>provisioner.yaml</c> (docs/provisioning.md).</summary>
public sealed record ProvisionerOptions
{
    /// <summary>Client configuration used to connect to the provisioning broker.</summary>
    public required string ChoriaConfig { get; init; }

    /// <summary>Executable that turns a node's details into its configuration and certificate.</summary>
    public required string Helper { get; init; }

    /// <summary>Token the nodes' <c>choria_provision</c> agent demands (the build or JWT token).</summary>
    public string Token { get; init; } = "";

    /// <summary>Nodes provisioned at once.</summary>
    public int Workers { get; init; } = 4;

    /// <summary>Time between discoveries of nodes waiting to be provisioned.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Longest a helper may run before it is killed and the node counted as failed.</summary>
    public TimeSpan HelperTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>First retry delay after a failure; doubled per consecutive failure up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a node told to restart is left alone unless it announces itself again.</summary>
    public TimeSpan RestartGrace { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Splay sent with <c>restart</c> (seconds).</summary>
    public int RestartSplay { get; init; } = 10;

    /// <summary>Fetch the node's provisioning JWT first and pass its claims to the helper.</summary>
    public bool FetchJwt { get; init; } = true;

    /// <summary>Prometheus port (<c>/choria/prometheus</c>); 0 disables.</summary>
    public int MonitorPort { get; init; }

    public string MonitorAddress { get; init; } = "127.0.0.1";

    /// <summary>Talk to the provisioning broker without TLS and without signing, as nodes built with <c>ProvisionSecure=false</c> do.</summary>
    public bool Insecure { get; init; }

    public string LogFile { get; init; } = "";

    public string LogLevel { get; init; } = "info";

    /// <summary>Parses the YAML text; relative paths are taken from <paramref name="baseDirectory"/>.</summary>
    public static ProvisionerOptions Parse(string yaml, string baseDirectory)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new FormatException($"invalid YAML: {e.Message}", e);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new FormatException("the provisioner configuration must be a YAML mapping");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in root.Children)
        {
            if (k is YamlScalarNode { Value: { } key } && v is YamlScalarNode { Value: { } value })
            {
                values[key] = value;
            }
            else
            {
                throw new FormatException($"setting {k} must have a plain value");
            }
        }

        string Required(string key) => values.TryGetValue(key, out var v) && v.Length > 0 ? v : throw new FormatException($"{key} is required");
        string Path(string value) => value.Length == 0 ? value : System.IO.Path.GetFullPath(value, baseDirectory);
        var known = new HashSet<string>(StringComparer.Ordinal)
        {
            "choria_config", "helper", "token", "workers", "interval", "helper_timeout", "retry_delay", "max_retry_delay",
            "restart_grace", "restart_splay", "jwt", "choria_insecure", "monitor_port", "monitor_address", "logfile", "loglevel",
        };
        if (values.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
        {
            throw new FormatException($"unknown setting {unknown}");
        }

        var defaults = new ProvisionerOptions { ChoriaConfig = "", Helper = "" };
        return new ProvisionerOptions
        {
            ChoriaConfig = Path(Required("choria_config")),
            Helper = Path(Required("helper")),
            Token = values.GetValueOrDefault("token", ""),
            Workers = Int(values, "workers", defaults.Workers, 1),
            Interval = Duration(values, "interval", defaults.Interval),
            HelperTimeout = Duration(values, "helper_timeout", defaults.HelperTimeout),
            RetryDelay = Duration(values, "retry_delay", defaults.RetryDelay),
            MaxRetryDelay = Duration(values, "max_retry_delay", defaults.MaxRetryDelay),
            RestartGrace = Duration(values, "restart_grace", defaults.RestartGrace),
            RestartSplay = Int(values, "restart_splay", defaults.RestartSplay, 1),
            FetchJwt = !values.TryGetValue("jwt", out var jwt) || Bool(jwt, "jwt"),
            Insecure = values.TryGetValue("choria_insecure", out var insecure) && Bool(insecure, "choria_insecure"),
            MonitorPort = Int(values, "monitor_port", 0, 0),
            MonitorAddress = values.GetValueOrDefault("monitor_address", defaults.MonitorAddress),
            LogFile = Path(values.GetValueOrDefault("logfile", "")),
            LogLevel = values.GetValueOrDefault("loglevel", defaults.LogLevel),
        };
    }

    private static int Int(Dictionary<string, string> values, string key, int fallback, int min)
    {
        if (!values.TryGetValue(key, out var s))
        {
            return fallback;
        }

        return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min
            ? n
            : throw new FormatException($"{key} must be a whole number of at least {min}, got '{s}'");
    }

    private static TimeSpan Duration(Dictionary<string, string> values, string key, TimeSpan fallback)
    {
        if (!values.TryGetValue(key, out var s))
        {
            return fallback;
        }

        return ValueParser.TryParseDuration(s, out var d) && d > TimeSpan.Zero
            ? d
            : throw new FormatException($"{key} must be a duration such as 30s or 5m, got '{s}'");
    }

    private static bool Bool(string s, string key) =>
        ValueParser.TryParseBool(s, out var b) ? b : throw new FormatException($"{key} must be true or false, got '{s}'");
}
