using System.CommandLine;
using Choria.Cli.Commands;
using Choria.Cli.Commands.Tool;

namespace Choria.Cli;

/// <summary>Builds the command tree of the one <c>choria</c> program.</summary>
public static class ChoriaApp
{
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("Choria Orchestration System: node daemon, network broker and operator CLI");
        root.Options.Add(GlobalOptions.Debug);
        root.Options.Add(GlobalOptions.Config);

        root.Subcommands.Add(BuildinfoCommand.Create());
        root.Subcommands.Add(ToolCommand.Create());
        root.Subcommands.Add(PingCommand.Create());
        root.Subcommands.Add(ReqCommand.Create());
        root.Subcommands.Add(DiscoverCommand.Create());
        root.Subcommands.Add(FactsCommand.Create());
        root.Subcommands.Add(InventoryCommand.Create());
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var root = BuildRoot();
        var parsed = root.Parse(args);
        return await parsed.InvokeAsync();
    }
}
