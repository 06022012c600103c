using Choria.Config;

namespace Choria.Server.Runtime;

/// <summary>What the external agent provider reads from the configuration (docs/agents.md).</summary>
internal sealed record ExternalAgentOptions
{
    /// <summary>Reply files above this size are refused rather than read, so a runaway agent cannot exhaust the server's memory.</summary>
    public const long DefaultMaxReplyBytes = 4 * 1024 * 1024;

    /// <summary>The <c>&lt;libdir&gt;/mcollective/agent</c> directories searched, in order (a name found twice is taken from the first).</summary>
    public IReadOnlyList<string> AgentDirectories { get; init; } = [];

    /// <summary>Absolute directory of the server configuration file; agents get <c>&lt;dir&gt;/plugin.d/&lt;agent&gt;</c> as their config.</summary>
    public string ConfigDirectory { get; init; } = "";

    /// <summary>How often the directories are compared with the registered agents after the first scan at start.</summary>
    public TimeSpan ReconcileInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A DDL modified more recently than this is left alone until it has settled (a copy may be half written).</summary>
    public TimeSpan SettleTime { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan ActivationTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Added to the DDL timeout before the process is killed, as modern Choria does.</summary>
    public TimeSpan TimeoutGrace { get; init; } = Ddl.DdlMetadata.ExternalKillGrace;

    public long MaxReplyBytes { get; init; } = DefaultMaxReplyBytes;

    public static ExternalAgentOptions FromConfig(ChoriaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var configDir = config.ConfigFile is { Length: > 0 } f ? Path.GetDirectoryName(Path.GetFullPath(f)) ?? "" : "";
        return new ExternalAgentOptions
        {
            AgentDirectories = [.. config.GetList("plugin.choria.agent_provider.mcorpc.libdir").Select(d => Path.Combine(d, "mcollective", "agent"))],
            ConfigDirectory = configDir,
        };
    }
}
