using Choria.Config;

namespace Choria.Server.Registration;

/// <summary>Settings of the file_content plugin (docs/server.md).</summary>
internal sealed record FileContentOptions
{
    /// <summary>File to publish, exactly as configured (it is echoed in the message's <c>file</c>).</summary>
    public required string DataFile { get; init; }

    /// <summary>Custom NATS subject; empty publishes to <c>&lt;collective&gt;.broadcast.agent.registration</c>.</summary>
    public string Target { get; init; } = "";

    public bool Compression { get; init; } = true;
}

/// <summary>Registration settings (docs/server.md); <see cref="FileContent"/> is null when registration is off.</summary>
internal sealed record RegistrationOptions
{
    public const string FileContentPlugin = "file_content";

    public FileContentOptions? FileContent { get; init; }

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(300);

    public bool Splay { get; init; }

    public required string Collective { get; init; }

    /// <summary>Every configured collective; the registration collective must be one of them.</summary>
    public IReadOnlyList<string> Collectives { get; init; } = [];

    public int Ttl { get; init; } = 60;

    public bool Enabled => FileContent is not null;

    /// <summary>Reads the options; unknown plugins and a file_content plugin without data file are startup errors.</summary>
    /// <exception cref="ConfigException">The registration settings cannot work.</exception>
    public static RegistrationOptions FromConfig(ChoriaConfig config)
    {
        FileContentOptions? fileContent = null;
        foreach (var plugin in config.Registration)
        {
            // An empty entry ends the list, as in 2020.
            if (plugin.Length == 0)
            {
                break;
            }

            if (plugin != FileContentPlugin)
            {
                throw new ConfigException($"unknown registration plugin: {plugin}");
            }

            var data = config.GetString("plugin.choria.registration.file_content.data");
            if (data.Length == 0)
            {
                // The typo is the 2020 message, kept for parity.
                throw new ConfigException("file fontent registration is enabled but no source data is configured, please set plugin.choria.registration.file_content.data");
            }

            fileContent = new FileContentOptions
            {
                DataFile = data,
                Target = config.GetString("plugin.choria.registration.file_content.target"),
                Compression = config.GetBool("plugin.choria.registration.file_content.compression"),
            };
        }

        var collective = config.RegistrationCollective;
        return new RegistrationOptions
        {
            FileContent = fileContent,
            Interval = TimeSpan.FromSeconds(Math.Max(1, config.RegisterInterval)),
            Splay = config.RegistrationSplay,
            Collective = collective.Length == 0 ? config.MainCollective : collective,
            Collectives = config.Collectives,
            Ttl = config.Ttl,
        };
    }
}
