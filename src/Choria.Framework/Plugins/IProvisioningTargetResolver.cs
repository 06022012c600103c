using Choria.Config.Build;
using Microsoft.Extensions.Logging;

namespace Choria.Framework.Plugins;

/// <summary>
/// Finds the provisioning brokers of a server in provisioning mode (docs/provisioning.md). The stock one reads the
/// build settings and SRV records; a compiled-in plugin (kind 3, docs/plugins.md) replaces it.
/// </summary>
public interface IProvisioningTargetResolver
{
    /// <summary>Shown by <c>choria buildinfo</c> and <c>choria tool provisioner</c>.</summary>
    string Name { get; }

    /// <summary>The brokers as <c>host:port</c>; empty when there are none (the server then keeps its own brokers).</summary>
    Task<IReadOnlyList<string>> TargetsAsync(BuildSettings build, ILogger logger, CancellationToken cancellationToken);
}
