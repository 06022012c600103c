using Choria.Server.Plugins;

namespace Choria.Cli.Plugins;

/// <summary>
/// Registers the plugins of <c>packager/user_plugins.yaml</c>. <c>./build.sh</c> generates the body of
/// <see cref="RegisterUserPlugins"/> into <c>obj/choria/PluginRegistrations.g.cs</c> (docs/plugins.md); without that
/// file the partial method has no body and the binary has no user plugins.
/// </summary>
internal static partial class PluginRegistrations
{
    /// <summary>Registers every compiled-in plugin into <paramref name="registry"/>; once per process, before any command runs.</summary>
    public static void RegisterAll(CompiledPlugins registry)
    {
        if (registry.All.Count == 0)
        {
            RegisterUserPlugins(registry);
            registry.Activate();
        }
    }

    static partial void RegisterUserPlugins(CompiledPlugins registry);
}
