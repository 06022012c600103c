using Choria.Cli;
using Choria.Cli.Hosting;
using Choria.Cli.Plugins;
using Choria.Server.Plugins;

DaemonThreadPool.ConfigureFor(args);

try
{
    PluginRegistrations.RegisterAll(CompiledPlugins.Default);
}
catch (PluginRegistrationException e)
{
    // A plugin that does not fit its kind is a broken build: nothing may run with it (Go panics in init).
    await Console.Error.WriteLineAsync($"choria: Could not register compiled-in plugin: {e.Message}");
    return 1;
}

return await ChoriaApp.RunAsync(args);
