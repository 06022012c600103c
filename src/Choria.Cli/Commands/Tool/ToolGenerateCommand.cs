using System.CommandLine;

namespace Choria.Cli.Commands.Tool;

/// <summary><c>choria tool generate</c>: writes code and files for agents (docs/plugins.md).</summary>
public static class ToolGenerateCommand
{
    public static Command Create()
    {
        var cmd = new Command("generate", "Generate various kinds of code");
        cmd.Subcommands.Add(ToolGenerateAgentCommand.Create());
        cmd.Subcommands.Add(ToolGenerateClientCommand.Create());
        cmd.Subcommands.Add(ToolGenerateDdlCommand.Create());
        return cmd;
    }
}
