namespace Choria.Sdk;

/// <summary>
/// What a plugin assembly hands to the choria build: the build instantiates the plugin's entry class (by default
/// <c>&lt;AssemblyName&gt;.ChoriaPlugin</c>, which must implement this and have a public parameterless constructor)
/// once at start-up and registers it under the name it has in <c>user_plugins.yaml</c>.
/// </summary>
public interface IPluggable
{
    /// <summary>The object the host uses; what it must be depends on <see cref="PluginType"/>.</summary>
    object PluginInstance { get; }

    string PluginName { get; }

    PluginType PluginType { get; }

    string PluginVersion { get; }
}
