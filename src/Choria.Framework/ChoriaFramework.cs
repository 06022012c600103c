using Choria.Config;
using Choria.Connector;
using Choria.Framework.Logging;
using Choria.Framework.Plugins;
using Choria.Security;
using Microsoft.Extensions.Logging;

namespace Choria.Framework;

/// <summary>
/// What every role (server, client, broker components) builds from a loaded configuration: logging, the
/// security provider and the means to connect. Mirrors go-choria's framework object.
/// </summary>
public sealed class ChoriaFramework : IDisposable
{
    private ChoriaFramework(ChoriaConfig config, ILoggerFactory loggers, ISecurityProvider security)
    {
        Config = config;
        Loggers = loggers;
        Security = security;
    }

    public ChoriaConfig Config { get; }

    public ILoggerFactory Loggers { get; }

    public ISecurityProvider Security { get; }

    /// <summary>The configured <c>identity</c>: sender id of every message we build.</summary>
    public string Identity => Config.Identity;

    /// <summary>The certname: connection name and caller id.</summary>
    public string Certname => Security.Identity;

    public string CallerId => Security.CallerId;

    /// <param name="verifySecurityFiles">Client commands fail early when cert, key or CA are missing; the server does not (docs/security.md).</param>
    /// <remarks>Compiled-in configuration mutators (docs/plugins.md) run first; <see cref="Config"/> is their result.</remarks>
    public static async Task<ChoriaFramework> CreateAsync(ChoriaConfig config, ILoggerFactory loggers, bool verifySecurityFiles, string? certnameOverride = null, CancellationToken cancellationToken = default)
    {
        config = FrameworkPlugins.Mutate(config, loggers);
        var security = await SecurityProviderFactory.CreateAsync(config, loggers, certnameOverride, cancellationToken).ConfigureAwait(false);
        if (verifySecurityFiles && !config.InsecureMode)
        {
            var problems = security.ValidateFiles();
            if (problems.Count > 0)
            {
                throw new FrameworkException($"security setup is not valid: {string.Join("; ", problems)}");
            }
        }

        return new ChoriaFramework(config, loggers, security);
    }

    /// <summary>Convenience for the daemons and commands: logging from the config, then the provider.</summary>
    public static Task<ChoriaFramework> CreateAsync(ChoriaConfig config, bool debug, bool verifySecurityFiles, LogLevel? minimumLevel = null, CancellationToken cancellationToken = default) =>
        CreateAsync(config, ChoriaLogging.CreateFactory(config, debug, minimumLevel), verifySecurityFiles, null, cancellationToken);

    public Task<IReadOnlyList<BrokerHost>> ResolveBrokersAsync(bool allowFederation, CancellationToken cancellationToken) =>
        ConnectorOptionsFactory.ResolveBrokersAsync(Config, Loggers, allowFederation, cancellationToken);

    public ConnectorOptions ConnectorOptions(IReadOnlyList<BrokerHost> brokers, string connectionName) =>
        ConnectorOptionsFactory.Create(Config, Security, brokers, connectionName);

    /// <summary>Resolves brokers and connects, retrying until connected or cancelled.</summary>
    /// <param name="tune">Adjusts the connector options made from the configuration for this one connection.</param>
    public async Task<ChoriaConnection> ConnectAsync(string connectionName, bool allowFederation, CancellationToken cancellationToken, Func<ConnectorOptions, ConnectorOptions>? tune = null)
    {
        var brokers = await ResolveBrokersAsync(allowFederation, cancellationToken).ConfigureAwait(false);
        var options = ConnectorOptions(brokers, connectionName);
        return await ChoriaConnection.ConnectAsync(tune?.Invoke(options) ?? options, Loggers.CreateLogger("Choria.Connector"), cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => Loggers.Dispose();
}
