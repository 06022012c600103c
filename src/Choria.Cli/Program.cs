using Choria.Cli;

return await ChoriaApp.RunAsync(args);
