using System.CommandLine;
using Choria.Cli.Plugins;
using Choria.Ddl;

namespace Choria.Cli.Commands.Tool;

/// <summary><c>choria tool generate client DDL TARGET_DIR [--namespace NAME]</c>: a typed C# client for one agent (docs/plugins.md).</summary>
public static class ToolGenerateClientCommand
{
    public static Command Create()
    {
        var ddl = new Argument<string>("ddl") { Description = "The agent's JSON DDL file, or the name of a built-in agent such as rpcutil" };
        var target = new Argument<DirectoryInfo>("target_dir") { Description = "Directory to write the C# files to" };
        var ns = new Option<string?>("--namespace", "--package") { Description = "Namespace of the generated code (default Choria.Clients.<Agent>)" };

        var cmd = new Command("client", "Generate a typed C# client for an agent");
        cmd.Arguments.Add(ddl);
        cmd.Arguments.Add(target);
        cmd.Options.Add(ns);
        cmd.SetAction(parse =>
        {
            var source = parse.GetValue(ddl)!;
            var bytes = File.Exists(source) ? File.ReadAllBytes(source) : DdlLoader.BuiltinNames.Contains(source) ? BuiltinBytes(source) : null;
            if (bytes is null)
            {
                parse.InvocationConfiguration.Error.WriteLine($"choria: error: {source} is neither a DDL file nor a built-in agent");
                return 1;
            }

            var loaded = DdlLoader.Parse(bytes, source);
            if (loaded.Ddl is null)
            {
                parse.InvocationConfiguration.Error.WriteLine($"choria: error: {loaded.Error}");
                return 1;
            }

            var dir = parse.GetValue(target)!;
            dir.Create();
            var files = ClientGenerator.Generate(loaded.Ddl, System.Text.Encoding.UTF8.GetString(bytes), parse.GetValue(ns) ?? ClientGenerator.DefaultNamespace(loaded.Ddl.Metadata.Name));
            foreach (var (path, content) in files)
            {
                File.WriteAllText(Path.Combine(dir.FullName, path), content);
                parse.InvocationConfiguration.Output.WriteLine($"Wrote {Path.Combine(dir.FullName, path)}");
            }

            return 0;
        });
        return cmd;
    }

    private static byte[] BuiltinBytes(string name)
    {
        using var stream = typeof(DdlLoader).Assembly.GetManifestResourceStream(typeof(DdlLoader).Assembly.GetManifestResourceNames().First(n => n.EndsWith($".{name}.json", StringComparison.Ordinal)))!;
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return ms.ToArray();
    }
}
