using System.Text.Json;
using Choria.Config;
using Choria.Connector;
using Choria.Protocol.Filters;
using Choria.Server.Audit;
using Choria.Server.Authorization;

namespace Choria.Server.Runtime;

/// <summary>Everything the node daemon reads from its configuration (docs/server.md).</summary>
public sealed record ServerOptions
{
    /// <summary>Default intake queue between the subscriptions and the workers (docs/server.md suggests 1000).</summary>
    public const int DefaultQueueSize = 1000;

    /// <summary>
    /// Default number of workers. Go has no limit (docs/server.md); a bound keeps a flood from exhausting the thread
    /// pool while still running slow agents in parallel (P6 needs at least 10).
    /// </summary>
    public static int DefaultConcurrency => Math.Max(16, Environment.ProcessorCount * 2);

    public string Identity { get; init; } = "";

    public IReadOnlyList<string> Collectives { get; init; } = ["mcollective"];

    public string MainCollective { get; init; } = "mcollective";

    public string ConfigFile { get; init; } = "";

    public string ClassesFile { get; init; } = "/opt/puppetlabs/puppet/cache/state/classes.txt";

    /// <summary>The <c>plugin.yaml</c> value (OS path-list separated).</summary>
    public string FactsFiles { get; init; } = "";

    /// <summary>In-memory facts replacing <see cref="FactsFiles"/> (the fleet emulator varies them per instance).</summary>
    public JsonElement? Facts { get; init; }

    /// <summary>
    /// Adjusts the connector options built from the configuration; the fleet emulator uses it to shrink socket
    /// and subscription buffers so thousands of instances fit in one process.
    /// </summary>
    public Func<ConnectorOptions, ConnectorOptions>? TuneConnector { get; init; }

    public bool RpcAuthorization { get; init; }

    /// <summary><c>rpcauthprovider</c>: only <c>action_policy</c> is implemented; any other value denies every request.</summary>
    public string RpcAuthProvider { get; init; } = RequestAuthorizers.DefaultProvider;

    public ActionPolicyOptions ActionPolicy { get; init; } = new();

    public bool RpcAudit { get; init; }

    public RpcAuditOptions Audit { get; init; } = new();

    /// <summary>Directories searched for agent DDLs (<c>&lt;libdir&gt;/mcollective/agent</c>).</summary>
    public IReadOnlyList<string> DdlDirectories { get; init; } = [];

    /// <summary>Requests verified and dispatched at once (<c>plugin.choria.server.concurrency</c>).</summary>
    public int Concurrency { get; init; } = DefaultConcurrency;

    /// <summary>Intake queue length (<c>plugin.choria.server.queue_length</c>); a full queue drops and counts.</summary>
    public int QueueSize { get; init; } = DefaultQueueSize;

    public TimeSpan SoftShutdownTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Modern behaviour: compound filters are evaluated rather than rejected (docs/server.md).</summary>
    public CompoundMode Compound { get; init; } = CompoundMode.Evaluate;

    /// <summary><c>INSECURE_YES_REALLY</c> or an insecure build: requests are not verified (docs/server.md).</summary>
    public bool Insecure { get; init; }

    /// <summary>Hidden <c>--disable-tls</c>: plain NATS to the broker.</summary>
    public bool DisableTls { get; init; }

    /// <summary>Hidden <c>--disable-ssl-verification</c>: TLS without verifying the broker.</summary>
    public bool DisableTlsVerification { get; init; }

    public static ServerOptions FromConfig(ChoriaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var collectives = config.Collectives.Count > 0 ? config.Collectives : ["mcollective"];
        var main = string.IsNullOrEmpty(config.MainCollective) ? collectives[0] : config.MainCollective;
        var configDir = config.ConfigFile is { } f ? Path.GetDirectoryName(f) ?? "" : "";
        return new ServerOptions
        {
            Identity = config.Identity,
            Collectives = collectives,
            MainCollective = main,
            ConfigFile = config.ConfigFile ?? "",
            ClassesFile = config.ClassesFile,
            FactsFiles = string.Join(Path.PathSeparator, config.FactSourceFiles),
            RpcAuthorization = config.RpcAuthorization,
            RpcAuthProvider = config.RpcAuthProvider,
            ActionPolicy = new ActionPolicyOptions
            {
                PolicyDirectory = Path.Combine(configDir, "policies"),
                AllowUnconfigured = config.GetBool("plugin.actionpolicy.allow_unconfiguredt"),
                EnableDefault = config.GetBool("plugin.actionpolicy.enable_default"),
                DefaultName = config.GetString("plugin.actionpolicy.default_name"),
            },
            RpcAudit = config.RpcAudit,
            Audit = new RpcAuditOptions { LogFile = config.GetString("plugin.rpcaudit.logfile") },
            DdlDirectories = [.. config.LibDirs.Select(d => Path.Combine(d, "mcollective", "agent"))],
            SoftShutdownTimeout = TimeSpan.FromSeconds(config.SoftShutdownTimeout),
            Concurrency = config.GetInt("plugin.choria.server.concurrency") is > 0 and var workers ? workers : DefaultConcurrency,
            QueueSize = config.GetInt("plugin.choria.server.queue_length"),
            Insecure = config.InsecureMode,
            DisableTls = config.DisableTls,
        };
    }
}
