using Choria.Config;

namespace Choria.Ddl.Ruby;

/// <summary>Where and with what the Ruby DDLs (<c>&lt;agent&gt;.ddl</c>) are converted; see docs/agents.md.</summary>
public sealed record RubyDdlConverterOptions
{
    /// <summary>The Ruby interpreter (a name looked up on PATH, or a path) with MCollective installed.</summary>
    public string Ruby { get; init; } = "ruby";

    /// <summary>Directory of converted JSON DDLs; never a libdir, which belongs to the agents' packages.</summary>
    public string CacheDirectory { get; init; } = DefaultCacheDirectory();

    /// <summary>How long one conversion may take, Ruby start-up and loading MCollective included.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    public static RubyDdlConverterOptions FromConfig(ChoriaConfig config)
    {
        var ruby = config.GetString(RubySetting);
        var cache = config.GetString(CacheSetting);
        return new RubyDdlConverterOptions
        {
            Ruby = ruby.Length == 0 ? "ruby" : ruby,
            CacheDirectory = cache.Length == 0 ? DefaultCacheDirectory() : cache,
        };
    }

    public const string RubySetting = "plugin.choria.agent_provider.mcorpc.ruby";

    public const string CacheSetting = "plugin.choria.agent_provider.mcorpc.ddl_cache";

    /// <summary>
    /// <c>$XDG_CACHE_HOME/choria/ddl</c>, else <c>~/.cache/choria/ddl</c> (for a root daemon
    /// <c>/root/.cache/choria/ddl</c>); <c>/var/cache/choria/ddl</c> when there is no home directory.
    /// </summary>
    public static string DefaultCacheDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg))
        {
            return Path.Combine(xdg, "choria", "ddl");
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home) ? "/var/cache/choria/ddl" : Path.Combine(home, ".cache", "choria", "ddl");
    }
}
