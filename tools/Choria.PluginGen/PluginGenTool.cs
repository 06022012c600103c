namespace Choria.PluginGen;

/// <summary>
/// <c>choria-plugingen ROOT OUT_DIR [USER_LIST]</c>: reads ROOT/packager/plugins.yaml and the user list (by default
/// ROOT/packager/user_plugins.yaml; <c>./build.sh</c> passes <c>CHORIA_USER_PLUGINS</c> here) and writes
/// OUT_DIR/plugins.props and OUT_DIR/PluginRegistrations.g.cs (docs/plugins.md). Without user plugins it removes
/// both, so a build without a list has none of its plugins.
/// </summary>
public static class PluginGenTool
{
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (args.Count is not (2 or 3))
        {
            error.WriteLine("usage: choria-plugingen ROOT OUT_DIR [USER_LIST]");
            return 2;
        }

        var root = Path.GetFullPath(args[0]);
        var outDir = Path.GetFullPath(args[1]);
        var userList = args.Count == 3 ? Path.GetFullPath(args[2]) : Path.Combine(root, "packager", "user_plugins.yaml");
        try
        {
            // The default list is optional; one named on purpose that is not there is a mistake worth stopping for.
            if (args.Count == 3 && !File.Exists(userList))
            {
                throw new PluginListException($"the plugin list {args[2]} does not exist");
            }

            var stock = Read(Path.Combine(root, "packager", "plugins.yaml"));
            var user = Read(userList);
            var generated = Generator.Generate(root, stock, user);
            Directory.CreateDirectory(outDir);
            var props = Path.Combine(outDir, "plugins.props");
            var code = Path.Combine(outDir, "PluginRegistrations.g.cs");
            if (generated.UserPlugins.Count == 0)
            {
                File.Delete(props);
                File.Delete(code);
                return 0;
            }

            WriteIfChanged(props, generated.Props);
            WriteIfChanged(code, generated.Registrations);
            foreach (var p in generated.UserPlugins)
            {
                output.WriteLine($">> compiling in plugin {p.Name} ({(p.Reference == PluginReferenceKind.Project ? p.Target : $"{p.Target} {p.Version}")}) from {p.File}");
            }

            return 0;
        }
        catch (PluginListException e)
        {
            error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static IReadOnlyList<PluginEntry> Read(string path) =>
        File.Exists(path) ? PluginList.Parse(File.ReadAllText(path), Path.GetRelativePath(Directory.GetCurrentDirectory(), path)) : [];

    // An unchanged file keeps its timestamp, so MSBuild does not rebuild the CLI for nothing.
    private static void WriteIfChanged(string path, string text)
    {
        if (!File.Exists(path) || File.ReadAllText(path) != text)
        {
            File.WriteAllText(path, text);
        }
    }
}
