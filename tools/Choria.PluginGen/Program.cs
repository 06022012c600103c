using Choria.PluginGen;

return PluginGenTool.Run(args, Console.Out, Console.Error);
