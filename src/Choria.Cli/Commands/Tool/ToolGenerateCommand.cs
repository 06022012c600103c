using System.CommandLine;

namespace Choria.Cli.Commands.Tool;

/// <summary><c>choria tool generate</c>: writes code and files for agents (cli-config.md B.6, docs/plugins.md).</summary>
public static class ToolGenerateCommand
{
    public static Command Create()
    {
        var cmd = new Command("generate", "Generate various kinds of code");
        cmd.Subcommands.Add(ToolGenerateAgentCommand.Create());
        return cmd;
    }
}
