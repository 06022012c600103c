using System.CommandLine;

namespace Choria.Cli.Commands.Tool;

/// <summary><c>choria tool</c>: parent of the utility commands (docs/cli-tools.md).</summary>
public static class ToolCommand
{
    public static Command Create()
    {
        var cmd = new Command("tool", "Various utilities");
        cmd.Subcommands.Add(ToolConfigCommand.Create());
        cmd.Subcommands.Add(ToolEventCommand.Create());
        cmd.Subcommands.Add(ToolGenerateCommand.Create());
        cmd.Subcommands.Add(ToolStatusCommand.Create());
        cmd.Subcommands.Add(ToolSubCommand.Create());
        cmd.Subcommands.Add(ToolPubCommand.Create());
        cmd.Subcommands.Add(ToolJwtCommand.Create());
        cmd.Subcommands.Add(ToolProvisionerCommand.Create());
        return cmd;
    }
}
