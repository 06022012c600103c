using Choria.Config;
using Choria.Config.Settings;
using Choria.Ddl.Ruby;

namespace Choria.Server.Agents.Providers.Ruby;

/// <summary>Settings of the Ruby agent provider (docs/agents.md, "Ruby agents").</summary>
public sealed record RubyAgentProviderOptions
{
    /// <summary>File name of the shim that build.sh puts beside the <c>choria</c> executable.</summary>
    public const string ShimFileName = "choria-ruby-shim.rb";

    /// <summary><c>plugin.choria.agent_provider.mcorpc.libdir</c>: each holds <c>mcollective/agent/&lt;name&gt;.rb</c>.</summary>
    public IReadOnlyList<string> LibDirs { get; init; } = [];

    /// <summary>The shim program; empty when neither configured nor found beside the executable.</summary>
    public string Shim { get; init; } = "";

    /// <summary>Configuration file the shim reads for <c>config.pluginconf</c> and <c>libdir</c>.</summary>
    public string ShimConfig { get; init; } = "";

    /// <summary>Ruby interpreter and where converted DDLs are cached.</summary>
    public RubyDdlConverterOptions Converter { get; init; } = new();

    /// <summary>Raw <c>plugin.&lt;agent&gt;.activate_agent</c> values by agent name.</summary>
    public IReadOnlyDictionary<string, string> ActivateAgent { get; init; } = new Dictionary<string, string>();

    /// <summary>How long the start-up question "does this agent activate?" may take per agent.</summary>
    public TimeSpan ActivationTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Bound on a reply read from the shim; more is treated as a broken shim.</summary>
    public int MaxReplyBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Ask each agent's <c>activate?</c> through the shim at registration.</summary>
    public bool CheckActivation { get; init; } = true;

    public static RubyAgentProviderOptions FromConfig(ChoriaConfig config)
    {
        const string Suffix = ".activate_agent";
        var activate = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in config.KeysWithPrefix("plugin."))
        {
            if (key.EndsWith(Suffix, StringComparison.Ordinal) && config.Raw(key) is { } value)
            {
                activate[key["plugin.".Length..^Suffix.Length]] = value;
            }
        }

        var shim = config.GetString("plugin.choria.agent_provider.mcorpc.agent_shim");
        var shimConfig = config.GetString("plugin.choria.agent_provider.mcorpc.config");
        return new RubyAgentProviderOptions
        {
            LibDirs = config.GetList("plugin.choria.agent_provider.mcorpc.libdir"),
            Shim = shim.Length > 0 ? shim : BundledShim() ?? "",
            ShimConfig = shimConfig.Length > 0 ? shimConfig : config.ConfigFile ?? "",
            Converter = RubyDdlConverterOptions.FromConfig(config),
            ActivateAgent = activate,
        };
    }

    /// <summary>The shim shipped beside the running executable, when it is there.</summary>
    public static string? BundledShim()
    {
        var dir = Path.GetDirectoryName(Environment.ProcessPath);
        var path = dir is null ? null : Path.Combine(dir, ShimFileName);
        return path is not null && File.Exists(path) ? path : null;
    }

    /// <summary>
    /// Whether <c>plugin.&lt;agent&gt;.activate_agent</c> lets <paramref name="agent"/> run: absent means yes,
    /// a boolean word decides, anything else means no.
    /// </summary>
    public bool IsActivatedByConfig(string agent) =>
        !ActivateAgent.TryGetValue(agent, out var raw) || (ValueParser.TryParseBool(raw, out var on) && on);
}
