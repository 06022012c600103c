using System.CommandLine;
using Choria.Machine.Manifest;

namespace Choria.Cli.Commands.Machine;

/// <summary>
/// <c>choria machine validate DIR</c>: checks DIR/machine.yaml with every rule of the loader plus the JSON schema's
/// patterns, offline (2020 fetched the schema from choria.io at run time).
/// </summary>
public static class MachineValidateCommand
{
    public static Command Create()
    {
        var dir = MachineCommand.DirectoryArgument();
        var cmd = new Command("validate", "Validates a machine.yaml against the Choria schema");
        cmd.Arguments.Add(dir);
        cmd.SetAction(parse =>
        {
            var directory = parse.GetValue(dir)!;
            var output = parse.InvocationConfiguration.Output;
            try
            {
                ManifestLoader.LoadDirectory(directory.FullName, strict: true);
            }
            catch (ManifestException e)
            {
                output.WriteLine($"The supplied machine.yaml in {directory} does not pass validation:\n");
                foreach (var error in e.Errors)
                {
                    output.WriteLine($"  {error}");
                }

                parse.InvocationConfiguration.Error.WriteLine("choria: validation failed");
                return 1;
            }

            // The 2020 text, typo included: operators' scripts may match it.
            output.WriteLine($"{directory} is has a valid machine.yaml");
            return 0;
        });
        return cmd;
    }
}
