using Choria.Config;
using Microsoft.Extensions.Logging;

namespace Choria.Framework.Plugins;

/// <summary>
/// A compiled-in configuration mutator (plugin kind 4, docs/plugins.md): adjusts every role's configuration as its
/// framework is created, e.g. to derive settings from a site's own inventory. Mutators run in list order.
/// </summary>
public interface IConfigMutator
{
    /// <summary>Listed by <c>choria buildinfo</c> under "Configuration Mutators".</summary>
    string Name { get; }

    /// <summary>Returns the configuration to use (<see cref="ChoriaConfig.With"/> makes changed copies).</summary>
    ChoriaConfig Mutate(ChoriaConfig config, ILogger logger);
}
