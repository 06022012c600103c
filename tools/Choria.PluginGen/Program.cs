using Choria.PluginGen;

// choria-plugingen ROOT OUT_DIR: reads ROOT/packager/plugins.yaml and ROOT/packager/user_plugins.yaml and writes
// OUT_DIR/plugins.props and OUT_DIR/PluginRegistrations.g.cs (docs/plugins.md). Without a user list it removes
// both, so a build without the file has none of its plugins.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: choria-plugingen ROOT OUT_DIR");
    return 2;
}

var root = Path.GetFullPath(args[0]);
var output = Path.GetFullPath(args[1]);
try
{
    var stock = Read(Path.Combine(root, "packager", "plugins.yaml"));
    var user = Read(Path.Combine(root, "packager", "user_plugins.yaml"));
    var generated = Generator.Generate(root, stock, user);
    Directory.CreateDirectory(output);
    var props = Path.Combine(output, "plugins.props");
    var code = Path.Combine(output, "PluginRegistrations.g.cs");
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
        Console.WriteLine($">> compiling in plugin {p.Name} ({(p.Reference == PluginReferenceKind.Project ? p.Target : $"{p.Target} {p.Version}")})");
    }

    return 0;
}
catch (PluginListException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

static IReadOnlyList<PluginEntry> Read(string path) =>
    File.Exists(path) ? PluginList.Parse(File.ReadAllText(path), Path.GetRelativePath(Directory.GetCurrentDirectory(), path)) : [];

// An unchanged file keeps its timestamp, so MSBuild does not rebuild the CLI for nothing.
static void WriteIfChanged(string path, string text)
{
    if (!File.Exists(path) || File.ReadAllText(path) != text)
    {
        File.WriteAllText(path, text);
    }
}
