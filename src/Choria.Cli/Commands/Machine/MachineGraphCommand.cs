using System.CommandLine;
using System.Diagnostics;
using System.Text;
using Choria.Machine.Manifest;

namespace Choria.Cli.Commands.Machine;

/// <summary><c>choria machine graph DIR</c>: the state machine as a Graphviz DOT graph, or SVG through <c>dot</c>.</summary>
public static class MachineGraphCommand
{
    public static Command Create()
    {
        var dir = MachineCommand.DirectoryArgument();
        var format = new Option<string>("--format") { Description = "Output format: dot, or svg (needs Graphviz's dot on PATH)", DefaultValueFactory = _ => "dot" };
        format.AcceptOnlyFromAmong("dot", "svg");
        var cmd = new Command("graph", "Draws a Graphviz graph of the machine's states and transitions");
        cmd.Arguments.Add(dir);
        cmd.Options.Add(format);
        cmd.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            MachineManifest manifest;
            try
            {
                manifest = ManifestLoader.LoadDirectory(parse.GetValue(dir)!.FullName);
            }
            catch (ManifestException e)
            {
                await error.WriteLineAsync($"choria: Could not load the machine: {e.Message}");
                return 1;
            }

            var dot = Dot(manifest);
            if (parse.GetValue(format) != "svg")
            {
                await output.WriteAsync(dot);
                return 0;
            }

            try
            {
                await output.WriteAsync(await SvgAsync(dot, ct));
                return 0;
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                await error.WriteLineAsync($"choria: Could not run Graphviz dot to render SVG: {e.Message}");
                return 1;
            }
        });
        return cmd;
    }

    /// <summary>One node per state (the initial one marked), one edge per event and source state.</summary>
    public static string Dot(MachineManifest manifest)
    {
        var sb = new StringBuilder();
        sb.Append("digraph finite_state_machine {\n");
        sb.Append("\trankdir=LR;\n");
        sb.Append($"\tlabel=\"{Escape(manifest.Name)} version {Escape(manifest.Version)}\";\n");
        sb.Append($"\tnode [shape = doublecircle]; \"{Escape(manifest.InitialState)}\";\n");
        sb.Append("\tnode [shape = circle];\n");
        foreach (var t in manifest.Transitions)
        {
            foreach (var from in t.From)
            {
                sb.Append($"\t\"{Escape(from)}\" -> \"{Escape(t.Destination)}\" [ label = \"{Escape(t.Name)}\" ];\n");
            }
        }

        sb.Append("}\n");
        return sb.ToString();
    }

    private static string Escape(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    private static async Task<string> SvgAsync(string dot, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo("dot", "-Tsvg") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("dot did not start");
        await process.StandardInput.WriteAsync(dot);
        process.StandardInput.Close();
        var svg = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var err = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode == 0 ? await svg : throw new InvalidOperationException($"dot exited with {process.ExitCode}: {(await err).Trim()}");
    }
}
