namespace Choria.Server.Plugins;

/// <summary>Where a compiled-in plugin was listed: the stock <c>packager/plugins.yaml</c> or the user's <c>packager/user_plugins.yaml</c>.</summary>
public enum PluginSource
{
    Stock,
    User,
}
