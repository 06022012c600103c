using Choria.Config;
using Choria.Security;
using Microsoft.Extensions.Logging;

namespace Choria.Framework;

/// <summary>The one place that turns security settings into a provider (docs/security.md).</summary>
public static class SecurityProviderFactory
{
    public static SecurityPolicyOptions PolicyFrom(ChoriaConfig config) => new()
    {
        CertnameAllowList = config.GetList("plugin.choria.security.certname_whitelist"),
        PrivilegedUsers = config.GetList("plugin.choria.security.privileged_users"),
        AlwaysOverwriteCache = config.GetBool("plugin.security.always_overwrite_cache"),
        Insecure = config.InsecureMode,
    };

    public static async Task<ISecurityProvider> CreateAsync(ChoriaConfig config, ILoggerFactory loggers, string? certnameOverride, CancellationToken cancellationToken)
    {
        var policy = PolicyFrom(config);
        switch (config.SecurityProvider.ToLowerInvariant())
        {
            case "file":
                return new FileSecurityProvider(
                    new FileSecurityOptions
                    {
                        Certificate = config.GetString("plugin.security.file.certificate"),
                        Key = config.GetString("plugin.security.file.key"),
                        Ca = config.GetString("plugin.security.file.ca"),
                        CacheDirectory = config.GetString("plugin.security.file.cache"),
                        Identity = config.Identity,
                        Policy = policy,
                    },
                    new ConfigSecurityEnvironment(config, certnameOverride),
                    logger: loggers.CreateLogger<FileSecurityProvider>());
            case "puppet":
                var ssldir = config.GetString("plugin.choria.ssldir");
                return await PuppetSecurityProvider.CreateAsync(
                    new PuppetSecurityOptions
                    {
                        SslDir = string.IsNullOrEmpty(ssldir) ? null : ssldir,
                        CertnameOverride = certnameOverride,
                        Identity = config.Identity,
                        Policy = policy,
                    },
                    environment: new ConfigSecurityEnvironment(config, certnameOverride),
                    logger: loggers.CreateLogger<PuppetSecurityProvider>(),
                    cancellationToken: cancellationToken).ConfigureAwait(false);
            default:
                throw new FrameworkException($"security provider '{config.SecurityProvider}' is not supported, use 'file' or 'puppet' (plugin.security.provider)");
        }
    }

    /// <summary>Reads MCOLLECTIVE_CERTNAME and USER through the config's (injectable) environment.</summary>
    private sealed class ConfigSecurityEnvironment(ChoriaConfig config, string? certnameOverride) : ISecurityEnvironment
    {
        private readonly SystemSecurityEnvironment _system = SystemSecurityEnvironment.Instance;

        public string? GetVariable(string name) =>
            name == "MCOLLECTIVE_CERTNAME" && certnameOverride is not null ? certnameOverride : config.Env(name);

        public bool IsRoot => _system.IsRoot;

        public bool IsWindows => _system.IsWindows;

        public string? HomeDirectory => config.HomeDirectory ?? _system.HomeDirectory;
    }
}
