using System.CommandLine;

namespace Choria.Cli.Commands.Machine;

/// <summary><c>choria machine</c>: work with autonomous agents (docs/machines.md).</summary>
public static class MachineCommand
{
    public static Command Create()
    {
        var cmd = new Command("machine", "Choria Autonomous Agents");
        cmd.Subcommands.Add(MachineRunCommand.Create());
        cmd.Subcommands.Add(MachineValidateCommand.Create());
        cmd.Subcommands.Add(MachineGraphCommand.Create());
        cmd.Subcommands.Add(MachineWatchCommand.Create());
        return cmd;
    }

    /// <summary>The positional machine directory argument shared by validate and graph.</summary>
    internal static Argument<DirectoryInfo> DirectoryArgument() => new("dir") { Description = "Directory holding the machine.yaml" };
}
