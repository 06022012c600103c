using System.CommandLine;
using Choria.Cli.Plugins;

namespace Choria.Cli.Commands.Tool;

/// <summary>
/// <c>choria tool generate agent NAME DIR</c>: a ready C# agent plugin project (agent, DDL, tests) and the
/// <c>user_plugins.yaml</c> line that compiles it into the binary (docs/plugins.md).
/// </summary>
public static class ToolGenerateAgentCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The agent name, e.g. my_agent" };
        var dir = new Argument<DirectoryInfo>("dir") { Description = "Directory to create the project in (must not exist or be empty)" };
        var ns = new Option<string?>("--namespace") { Description = "Root namespace and project name (default Choria.Agents.<Name>)" };
        var sdk = new Option<FileInfo?>("--sdk") { Description = "Path to Choria.Sdk.csproj (default: found above DIR, else the Choria.Sdk NuGet package)" };

        var cmd = new Command("agent", "Generate a C# agent plugin project to compile into choria");
        cmd.Arguments.Add(name);
        cmd.Arguments.Add(dir);
        cmd.Options.Add(ns);
        cmd.Options.Add(sdk);
        cmd.SetAction(parse =>
        {
            var agent = parse.GetValue(name)!;
            var target = parse.GetValue(dir)!;
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            if (!AgentTemplate.IsValidAgentName(agent))
            {
                error.WriteLine($"choria: error: invalid agent name '{agent}': use lower case letters, digits and _ starting with a letter");
                return 1;
            }

            if (target.Exists && target.EnumerateFileSystemInfos().Any())
            {
                error.WriteLine($"choria: error: {target.FullName} exists and is not empty");
                return 1;
            }

            var sdkProject = parse.GetValue(sdk)?.FullName ?? FindUp(target.FullName, Path.Combine("src", "Choria.Sdk", "Choria.Sdk.csproj"));
            var central = FindUp(target.FullName, "Directory.Packages.props") is not null;
            var template = new AgentTemplate(agent, parse.GetValue(ns) ?? "", "", central);
            template = template with
            {
                Namespace = string.IsNullOrEmpty(template.Namespace) ? $"Choria.Agents.{template.ClassPrefix}" : template.Namespace,
                SdkReference = AgentTemplate.SdkReferenceFor(target.FullName, sdkProject, central),
            };
            foreach (var (path, content) in template.Files())
            {
                var file = Path.Combine(target.FullName, path);
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                File.WriteAllText(file, content);
            }

            // The list entry is relative to the checkout that builds choria: the one holding packager/plugins.yaml.
            var root = FindUp(target.FullName, Path.Combine("packager", "plugins.yaml")) is { } stock ? Path.GetDirectoryName(Path.GetDirectoryName(stock))! : Directory.GetCurrentDirectory();
            var line = $"{agent}: {Path.GetRelativePath(root, Path.Combine(target.FullName, template.Namespace + ".csproj"))}";
            File.WriteAllText(Path.Combine(target.FullName, "user_plugins.yaml"), line + "\n");
            output.WriteLine($"Created the {agent} agent in {target.FullName}");
            output.WriteLine();
            output.WriteLine("Compile it into choria by adding this line to packager/user_plugins.yaml and running ./build.sh:");
            output.WriteLine();
            output.WriteLine($"  {line}");
            return 0;
        });
        return cmd;
    }

    /// <summary>The first <paramref name="relative"/> path that exists in <paramref name="dir"/> or one of its parents.</summary>
    private static string? FindUp(string dir, string relative)
    {
        for (var d = new DirectoryInfo(dir); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
