namespace Choria.Server.Plugins;

public sealed class PluginRegistrationException(string message) : Exception(message);
